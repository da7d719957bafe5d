import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A vault made outside a git repository goes to $XDG_STATE_HOME: a temp folder per test file.
    setupFiles: ['test/support/state-home.ts'],
    // Integration tests start real R and Node processes; two cores on CI.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // Console output of passing tests is noise (hundreds of lines); a failing test's is kept.
    silent: 'passed-only',
    // The workflow parser imports its JSON schemas without import attributes: let Vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      {
        extends: true,
        // Hermetic modules (no process, git, network or sleep): threads in one shared context start
        // in a tenth of the time isolated forks take, and nothing here needs a fresh process.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads', isolate: false },
      },
      {
        extends: true,
        // Real processes, signals and process.env changes: each file in a fresh, isolated fork.
        test: { name: 'runtimes', include: ['test/**/*.test.ts'], exclude: ['test/projects/**', 'node_modules/**', 'test/unit/**'] },
      },
    ],
  },
});
