#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation: backups allocate many short-lived keys, and V8 would otherwise grow
// it to 48 MB of resident memory (docs/engine.md, Memory).
// Runs the compiled CLI; `npm run build` (or `npm start`/`npm test`) compiles it first.
import('../dist/src/cli/main.js');
