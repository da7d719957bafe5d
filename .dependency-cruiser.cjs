// The dependency rule of ARCHITECTURE.md, held by CI (`npm run lint:deps`, part of `npm run lint`).
// Folders are layers; a module may import its own folder and the layers below it, never above.
// Type-only imports count too: a type from above still ties a layer to one it must not know.
//
// rank: who may import whom (higher imports lower; equal ranks do not import each other)
const LAYERS = [
  ['text', 0], // plain-text helpers: plurals, durations, lists
  ['cassettes', 1], // formats, diff, noise, leaks (pure)
  ['frameworks', 2], // presets: mapping from source, launch, hooks, failure formats
  ['config', 3], // the input table, parsing, the runner context
  ['results', 4], // what a run did (types the later stages read)
  ['git', 4], // the one git runner
  ['state', 5], // the files rerecord owns
  ['github', 5], // the REST API and the artifact service
  ['plan', 6], // select, map, lanes, shard (pure)
  ['report', 7], // renderers (pure)
  ['discover', 7], // test files, cassettes, dates on disk
  ['audit', 8], // findings on the cassettes as they are
  ['run', 9], // executing the plan
  ['publish', 9], // pull request, commit, artifacts
  ['commands', 10], // one policy per command
];

const folder = (name) => `^src/${name}/`;

const upward = LAYERS.map(([name, rank]) => ({
  name: `no-import-up-from-${name}`,
  comment: `${name}/ imports only the layers below it (ARCHITECTURE.md, Folders)`,
  severity: 'error',
  from: { path: folder(name) },
  to: {
    path: `^src/(${LAYERS.filter(([other, otherRank]) => other !== name && otherRank >= rank).map(([other]) => other).join('|')})/|^src/[^/]+\\.ts$`,
  },
}));

// Pure layers compute; they never touch the file system, processes, the environment or the runner.
const PURE = ['text', 'cassettes', 'plan', 'report', 'results'];
const pure = {
  name: 'pure-layers-stay-pure',
  comment: 'text/, cassettes/, plan/, report/ and results/ touch no file system, process, environment or @actions package',
  severity: 'error',
  from: { path: `^src/(${PURE.join('|')})/` },
  to: { path: '^(node:)?(fs|fs/promises|child_process|worker_threads|cluster|net|http|https)$|^node_modules/@actions/' },
};

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'no module reaches itself through its imports (dynamic and type-only imports included)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    pure,
    {
      name: 'entry-points-are-leaves',
      comment: 'index.ts, main.ts and cli.ts parse, call a command and render; nothing imports them but index.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/(main|cli|index)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
