// `npm run local-action`: the action on this machine through @github/local-action, with its inputs
// from .env (git-ignored: copy .env.example and adjust), else from .env.example. local-action
// prints the outputs; this says where the job summary went.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const envFile = existsSync('.env') ? '.env' : '.env.example';
if (envFile !== '.env') console.error('local-action: no .env here, using .env.example (copy it to .env to change the inputs)');
const settings = Object.fromEntries(
  readFileSync(envFile, 'utf8')
    .split('\n')
    .map((line) => /^\s*([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$/.exec(line))
    .filter(Boolean)
    .map((match) => [match[1], match[2].replace(/^(['"])(.*)\1$/, '$2')]),
);
const summary = settings.GITHUB_STEP_SUMMARY || process.env.GITHUB_STEP_SUMMARY;
// The summary file must exist before the action appends to it.
if (summary && !existsSync(summary)) writeFileSync(summary, '');
const run = spawnSync('npx', ['--no-install', 'local-action', '.', 'src/main.ts', envFile], { stdio: 'inherit' });
console.log(summary ? `local-action: job summary written to ${summary}` : 'local-action: set GITHUB_STEP_SUMMARY in the env file to keep the job summary');
process.exit(run.status ?? 1);
