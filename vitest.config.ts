import { defineConfig } from "vitest/config";

// Tests do real numerical work on a 2-core machine that may be shared: a generous per-test
// timeout keeps a loaded machine from failing a correct test. No test asserts on wall time.
// The global setup builds dist/ first (test/helpers/build.ts): the CLI and package tests run it.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000, globalSetup: ["test/helpers/build.ts"] },
});
