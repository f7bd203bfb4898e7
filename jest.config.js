// jest runs TypeScript through @swc/jest (fast, indifferent to the tsc version); ky is ESM-only
// so it is the one package in node_modules that must be transformed.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!ky/)'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  setupFiles: ['<rootDir>/test/harness/quiet-runtime.ts'],
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
