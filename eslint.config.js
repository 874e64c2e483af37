// Lint rules that catch bugs, not style (formatting is a separate decision). The type-aware
// rules (promises, exhaustive switches) read the TypeScript program of tsconfig.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'artifacts/', 'native/build/', '.venv-tensorboard/', 'schema/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled error, a write not finished
      // before the next step); `void p` marks the intended fire-and-forget ones.
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Every switch over a union names each member (the compile-time half of unreachable()).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Readability, not correctness: the bad-config corpus spells out YAML indentation.
      'no-regex-spaces': 'off',
    },
  },
  {
    // The engine bundle (bin/engine-bundle.js) carries zod. \`import { z }\` binds zod's namespace
    // object, which keeps every export (64 locales, JSON Schema conversion: 755 KB); a namespace
    // import lets esbuild drop what is unused (197 KB), 60 ms less CPU at each command's start.
    // (Stage bundles import one prebuilt zod, child/stage-bundle.ts: there the spelling is free.)
    files: ['src/pipeline/**/*.ts', 'src/ui/**/*.ts', 'fixtures/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
          message: "import * as z from 'zod' (the bundle keeps all of zod otherwise)",
        },
      ],
    },
  },
  {
    // Hashed into the training fingerprints: fixed with the next change to src/ml/ (an unused import).
    files: ['src/ml/model/model.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
);
