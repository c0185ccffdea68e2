// Emits the ESM entry point. The package is compiled once, to CommonJS; the ESM entry re-exports it so that
// `import` and `require` share one module instance (no dual-package hazard).
const fs = require('node:fs');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist');
fs.writeFileSync(path.join(dist, 'index.mjs'), "export * from './index.js';\nimport cjs from './index.js';\nexport default cjs;\n");
fs.chmodSync(path.join(dist, 'cli', 'main.js'), 0o755);
