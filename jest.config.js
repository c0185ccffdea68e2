/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Integration tests start real ovsdb-server/ovs-vswitchd in their own network namespaces.
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
