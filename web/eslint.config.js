// ESLint flat config: typescript-eslint's and React hooks' recommended rules over the app, its
// build config and the browser tests.

import { createRequire, Module } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';

// typescript-eslint parses with TypeScript's JavaScript API, which TypeScript 7 (the app's
// type-checker) does not have yet. Its `require('typescript')` is answered from the require cache
// with TypeScript 6 (the local `eslint-typescript` package); this has to happen before
// typescript-eslint is loaded, hence the dynamic imports below.
const require = createRequire(import.meta.url);
const appTypescript = require.resolve('typescript');
const parserTypescript = new Module(appTypescript);
parserTypescript.filename = appTypescript;
parserTypescript.exports = require('eslint-typescript');
parserTypescript.loaded = true;
require.cache[appTypescript] = parserTypescript;

const { default: tseslint } = await import('typescript-eslint');
const { default: reactHooks } = await import('eslint-plugin-react-hooks');

export default tseslint.config(
  { ignores: ['dist/', 'eslint-typescript/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `const { uid: _uid, ...rest } = step` is how the code leaves a field out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['vite.config.ts', 'eslint.config.js', 'e2e/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The tests' `page.evaluate` callbacks run in the browser.
    files: ['e2e/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
