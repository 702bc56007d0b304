// The suite runs twice: on Express 5 (the default) and on Express 4, by mapping every
// `require('express')`, the package's own included, to the `express4` alias.
const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
};

module.exports = {
  testTimeout: 30000,
  // Without REDIS_URL the Redis tests run on a redis-server of their own (see the set-up).
  globalSetup: '<rootDir>/spec/support/redis-global-setup.js',
  globalTeardown: '<rootDir>/spec/support/redis-global-teardown.js',
  projects: [
    { ...base, displayName: 'express5' },
    {
      ...base,
      displayName: 'express4',
      moduleNameMapper: { '^express$': 'express4' },
      // Behaviour that does not depend on Express runs once, in the express5 project.
      testPathIgnorePatterns: ['/spec/(bench|browser|package|stores|segment|transforms/engine)/'],
    },
  ],
};
