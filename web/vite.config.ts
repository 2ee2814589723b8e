// The demo: `npm run web` serves it, `npm run web:build` writes static files to web/dist/
// (relative URLs: any static server, any sub-path).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1000 },
  worker: { format: "es" },
  // Pre-bundle the one CommonJS dependency at start-up, so that the dev server does not
  // discover it in a worker mid-session and reload the page.
  optimizeDeps: { include: ["seedrandom"] },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
});
