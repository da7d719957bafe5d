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
  // The layering itself (no import up, no cycles, pure folders without fs, processes or @actions)
  // is held by dependency-cruiser: .dependency-cruiser.cjs, run by `npm run lint`. ESLint holds
  // what an import graph cannot see: who reads the environment.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/index.ts', 'src/main.ts', 'src/cli.ts', 'src/config/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only the entry points and config/ read the environment: take config.runner (RunnerContext) or the inherited environment as a parameter.' },
      ],
    },
  },
);
