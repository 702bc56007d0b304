// The types of the ES module entry: the same declarations as the CommonJS build, whose named
// exports dist/index.mjs re-exports one by one.
export * from './index.js';
