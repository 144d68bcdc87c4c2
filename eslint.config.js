// ESLint (flat config) with typescript-eslint over src, test, e2e and scripts; `npm test` runs it
// after the typecheck (`npx eslint` alone runs it too). Rules that are off or changed say why.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.data/**', '.bench-tmp/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'e2e/**/*.ts', 'scripts/**/*.{mjs,mts,js}', 'e2e/**/*.js'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // STYLE.md §5: string-literal unions and `as const` objects, never enum or namespace.
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a union of string literals or an `as const` object (STYLE.md §5).' },
        // `declare global` and `declare module 'x'` (augmentations) stay allowed.
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces (STYLE.md §5).' },
      ],
      // `_`-prefixed parameters and caught errors are deliberately unused (a callback's shape).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // An empty catch is how the library says "a browser that throws here changes nothing";
      // each one carries a comment saying why, which this rule accepts.
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Type-aware rules where TypeScript knows the types (tsconfig.json covers these files).
    files: ['src/**/*.ts', 'test/**/*.ts', 'e2e/**/*.ts'],
    ignores: ['test/types/**'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // STYLE.md §6: every floating promise ends in .catch(...).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // The library runs in shops' pages: its only console output is the debug module's printer.
    files: ['src/browser/**/*.ts', 'src/extensions/**/*.ts', 'src/debug/**/*.ts', 'src/protocol/**/*.ts', 'src/index.ts'],
    languageOptions: { globals: globals.browser },
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/collector/**/*.ts', 'src/node/**/*.ts', 'scripts/**/*', 'test/**/*.ts', 'e2e/**/*.ts', '*.config.*'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // The conformance tests read JSON answers as `any` and let each assertion state the shape
    // it expects (a typed reader per endpoint would repeat the server's types in the tests).
    files: ['test/conformance/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Fixture pages' scripts: plain browser scripts written the way shops and tag managers write
    // them (ES5: `var`, `arguments`, `apply`), which is what the library must cope with.
    files: ['e2e/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
    rules: { 'no-var': 'off', 'prefer-rest-params': 'off', 'prefer-spread': 'off' },
  },
);
