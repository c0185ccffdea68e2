// Lets a child `node` process (started inside a test's network namespace with `ip netns exec`) run the
// TypeScript sources directly: `.ts` files are compiled with @swc/core (a dev dependency) as they are loaded.
const { transformSync } = require('@swc/core');
const fs = require('node:fs');

require.extensions['.ts'] = function compileTs(module, filename) {
  const src = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(src, {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
