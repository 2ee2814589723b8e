#!/usr/bin/env node
// The `diffmix` executable: package.json "bin" is its compiled form, dist/cli/bin.js.
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
