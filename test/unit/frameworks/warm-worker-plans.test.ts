// Which commands can run in a warm worker (src/frameworks/WORKERS.md), and with which runner
// arguments: the runner and `{file}` taken out, the rest passed to the runner in the child.
import { describe, expect, it } from 'vitest';
import { runnerArguments } from '../../../src/frameworks/preset.js';
import { PRESETS } from '../../../src/frameworks/registry.js';
import { pytest } from '../../../src/frameworks/pytest/index.js';
import { rspec } from '../../../src/frameworks/rspec/index.js';
import { testthat } from '../../../src/frameworks/testthat/index.js';

const HOOKS = '/hooks';

describe('runnerArguments', () => {
  it('takes the runner prefix and the {file} word out and keeps the rest in order', () => {
    expect(runnerArguments(['python3', '-m', 'pytest', '-q', '{file}', '-x'], [['python3', '-m', 'pytest']])).toEqual({ runner: ['python3', '-m', 'pytest'], runnerArgs: ['-q', '-x'] });
  });

  it('says why when the command does not start the runner, or {file} is not a word of its own', () => {
    expect(runnerArguments(['tox', '-e', 'py', '--', '{file}'], [['pytest']])).toEqual({ unavailable: "the command `tox -e py -- {file}` does not start the framework's own runner directly" });
    expect(runnerArguments(['pytest', '--file={file}'], [['pytest']])).toEqual({ unavailable: 'the command `pytest --file={file}` does not take `{file}` as one argument of its own' });
    expect(runnerArguments(['pytest', '{dir}'], [['pytest']])).toMatchObject({ unavailable: expect.stringContaining('`{file}`') });
    expect(runnerArguments(['pytest', '{file}', '{file}'], [['pytest']])).toMatchObject({ unavailable: expect.stringContaining('`{file}`') });
  });
});

describe('warm worker plans of the presets', () => {
  it('pytest: `python -m pytest` runs the worker in that Python; a bare pytest in the Python of its #! line; anything else runs fresh', () => {
    expect(pytest.warmWorker!(['/usr/bin/python3.11', '-m', 'pytest', '-p', 'no:cacheprovider', '{file}'], HOOKS)).toEqual({
      command: '/usr/bin/python3.11',
      args: ['/hooks/rerecord_worker.py'],
      runnerArgs: ['-p', 'no:cacheprovider'],
    });
    expect(pytest.warmWorker!(['pytest', '-q', '{file}'], HOOKS)).toEqual({ command: 'python3', args: ['/hooks/rerecord_worker.py'], runnerArgs: ['-q'], interpreterOf: 'pytest' });
    expect(pytest.warmWorker!(['.venv/bin/py.test', '{file}'], HOOKS)).toMatchObject({ interpreterOf: '.venv/bin/py.test', runnerArgs: [] });
    expect(pytest.warmWorker!(['poetry', 'run', 'pytest', '{file}'], HOOKS)).toEqual({ unavailable: "the command `poetry run pytest {file}` does not start the framework's own runner directly" });
  });

  it('rspec: `rspec` and `bundle exec rspec` run the worker in ruby', () => {
    expect(rspec.warmWorker!(['rspec', '{file}'], HOOKS)).toEqual({ command: 'ruby', args: ['/hooks/rerecord_worker.rb'], runnerArgs: [] });
    expect(rspec.warmWorker!(['bundle', 'exec', 'rspec', '--format', 'progress', '{file}'], HOOKS)).toMatchObject({ runnerArgs: ['--format', 'progress'] });
    expect(rspec.warmWorker!(['bin/rspec', '{file}'], HOOKS)).toMatchObject({ command: 'ruby' });
    expect(rspec.warmWorker!(['rake', 'spec', 'SPEC={file}'], HOOKS)).toMatchObject({ unavailable: expect.any(String) });
  });

  it('testthat: always, through its own runner', () => {
    expect(testthat.warmWorker!([], HOOKS)).toEqual({ command: 'Rscript', args: ['--vanilla', '/hooks/worker.R'], runnerArgs: [] });
  });

  it('only the presets whose runtime can fork have a worker: node, polly and custom start fresh processes', () => {
    expect(PRESETS.filter((preset) => preset.warmWorker).map((preset) => preset.name).sort()).toEqual(['pytest', 'rspec', 'testthat']);
  });

  it('every worker program is one of the preset\'s declared hook files', () => {
    for (const preset of PRESETS.filter((candidate) => candidate.warmWorker)) {
      const command = preset.name === 'testthat' ? [] : preset.defaultCommand;
      const plan = preset.warmWorker!(command, HOOKS);
      if ('unavailable' in plan) throw new Error(`${preset.name}'s default command cannot run warm: ${plan.unavailable}`);
      const program = plan.args.find((arg) => arg.startsWith(`${HOOKS}/`))!;
      expect(preset.hookFiles).toContain(program.slice(HOOKS.length + 1));
    }
  });
});
