import { describe, expect, it } from 'vitest';
import { helpText, parseCliArgs } from '../../../src/config/cli-args.js';
import { INPUTS } from '../../../src/config/inputs.js';

describe('parseCliArgs', () => {
  it('reads the habits of the old script: --all, --failures, --batch-size 30 --workers 4', () => {
    expect(parseCliArgs(['--failures', '--batch-size', '30', '--workers=4']).values).toEqual({ mode: 'failures', 'batch-size': '30', workers: '4' });
    expect(parseCliArgs(['--all']).values).toEqual({ mode: 'all' });
  });

  it('takes a subcommand, --json and boolean flags', () => {
    expect(parseCliArgs(['plan', '--json', '--dry-run'])).toMatchObject({ subcommand: 'plan', json: true, values: { 'dry-run': 'true' }, problems: [] });
  });

  it('refuses the key as a flag without echoing it, and unknown words', () => {
    const args = parseCliArgs(['--api-key', 'sk-123', 'rerun', '--colour']);
    expect(args.problems).toEqual([
      '--api-key: the key is never taken as a flag (it would land in shell history and ps); export it and pass --api-key-env NAME',
      'unknown option "rerun": see rerecord --help',
      'unknown option "--colour": see rerecord --help',
    ]);
    expect(args.problems.join()).not.toContain('sk-123');
  });

  it('says which flag or command was meant, and takes a mistyped flag\'s value with it', () => {
    expect(parseCliArgs(['--worker', '2']).problems).toEqual(['unknown option "--worker": did you mean --workers? see rerecord --help']);
    expect(parseCliArgs(['--jsno']).problems).toEqual(['unknown option "--jsno": did you mean --json? see rerecord --help']);
    expect(parseCliArgs(['--cassete-dir=x']).problems).toEqual(['unknown option "--cassete-dir=x": did you mean --cassette-dir? see rerecord --help']);
    expect(parseCliArgs(['plna']).problems).toEqual(['unknown command "plna": expected one of run, plan, audit, diff, recover, init; did you mean plan?']);
  });

  it('names a missing value', () => {
    expect(parseCliArgs(['--workers']).problems).toEqual(['--workers: expected a value']);
  });

  it('rejects unknown subcommands', () => {
    expect(parseCliArgs(['rerun']).problems).toEqual(['unknown command "rerun": expected one of run, plan, audit, diff, recover, init']);
  });

  it('--help is short: the commands and the common options, pointing at --help-all', () => {
    const help = helpText('1.2.3');
    expect(help.split('\n').length).toBeLessThan(60);
    expect(help).toContain('Usage: rerecord [run|plan|audit|recover|init] [options]');
    for (const name of ['framework', 'mode', 'workers', 'api-key-env', 'publish']) expect(help).toContain(`--${name} VALUE`);
    expect(help).toContain('rerecord --help-all');
    expect(help).not.toContain('--pr-labels');
    expect(parseCliArgs(['--help-all'])).toMatchObject({ help: true, helpAll: true });
  });

  it('--help-all lists every CLI input from the table, grouped, with its default, and not the key', () => {
    const help = helpText('1.2.3', true);
    expect(help).toMatch(/\nWhat to re-record:\n {2}--mode VALUE/);
    expect(help).toMatch(/\nPublishing \(pull request, commit, artifact\):\n {2}--publish VALUE/);
    for (const [name, spec] of Object.entries(INPUTS)) {
      if (spec.surface === 'both') expect(help).toContain(`--${name}`);
      if (spec.surface === 'both' && spec.default) expect(help).toContain(`(default: ${spec.default})`);
    }
    expect(help).not.toContain('--api-key ');
    expect(help).not.toContain('--step');
    expect(help).toContain('Usage: rerecord [run|plan|audit|recover|init] [options]');
  });
});
