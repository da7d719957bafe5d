import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/projects/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', URL: 'readonly', fetch: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // DESIGN.md's dependency rule: the pure folders (planning and the cassette model) touch no
  // file, process or environment, and never import the layers that do.
  {
    files: ['src/plan/**/*.ts', 'src/cassettes/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['node:fs', 'node:fs/promises', 'node:child_process', 'node:os', 'fs', 'child_process'].map((name) => ({ name, message: 'plan/ and cassettes/ are pure: take data in, hand data back.' })),
          patterns: [
            { group: ['@actions/*'], message: 'Only github/ and the entry points talk to GitHub.' },
            // Types may be shared (the manifest's shape lives with the file rerecord owns); code may not.
            { group: ['**/run/*', '**/publish/*', '**/commands/*', '**/pipeline*', '**/state/*', '**/discover/*', '**/github/*'], message: 'Pure folders never import the layers with side effects.', allowTypeImports: true },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Pure folders read no environment: pass the value in.' }],
    },
  },
);
