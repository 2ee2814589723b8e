// `npm run build:browser`: dist/browser/diffmix.js, one ES module for pages without a bundler
// (the library, the WASM kernels inlined, the worker client) and its worker script.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  logLevel: "warn",
  publicDir: false,
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("dist/browser", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    minify: false,
    lib: { entry: { diffmix: fileURLToPath(new URL("src/browser.ts", import.meta.url)) }, formats: ["es"] },
  },
  worker: { format: "es" },
});
