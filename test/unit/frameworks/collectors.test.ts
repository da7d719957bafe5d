// What the collections (`rspec --dry-run` with rerecord's formatter, `pytest --collect-only` with its
// plugin) wrote, read back; how they are asked; and how a file's mapping merges
// it with what its source names.
import { describe, expect, it } from 'vitest';
import { guidForRecording, polly as POLLY } from '../../../src/frameworks/polly/index.js';
import { pytest as PYTEST } from '../../../src/frameworks/pytest/index.js';
import { rspec } from '../../../src/frameworks/rspec/index.js';
import { memoryProject } from '../config/memory-project.js';

const collector = rspec.collector!;
const WD = '/work/project';
const line = (entry: object) => `${JSON.stringify(entry)}\n`;

describe('rspec collection', () => {
  it('reads each example cassette, relative to the project, spread ones as possible, once each', () => {
    const text =
      line({ file: './spec/models_spec.rb', cassette: `${WD}/spec/cassettes/Models/alpha/fetches.yml`, spread: true }) +
      line({ file: './spec/models_spec.rb', cassette: `${WD}/spec/cassettes/Models/alpha/fetches.yml`, spread: true }) +
      line({ file: './spec/models_spec.rb', cassette: `${WD}/spec/cassettes/own.yml`, spread: false });
    expect(collector.read(text, { workingDirectory: WD, cassetteDir: 'spec/cassettes' }).get('spec/models_spec.rb')).toEqual({
      cassettes: ['spec/cassettes/Models/alpha/fetches.yml', 'spec/cassettes/own.yml'],
      unresolved: [],
      possible: ['spec/cassettes/Models/alpha/fetches.yml'],
    });
  });

  it('a file VCR could not name an example of is left to static analysis, saying why', () => {
    const text = line({ file: './spec/a_spec.rb', cassette: `${WD}/spec/cassettes/a.yml`, spread: false }) + line({ file: './spec/a_spec.rb', error: 'ArgumentError: bad serializer' });
    expect(collector.read(text, { workingDirectory: WD, cassetteDir: 'spec/cassettes' }).get('spec/a_spec.rb')).toEqual({ failure: 'ArgumentError: bad serializer' });
  });

  it('asks through the command’s own runner, and only through it', () => {
    const launch = collector.launch(['/p/spec/a_spec.rb'], ['bundle', 'exec', 'rspec', '--tag', 'api', '{file}'], '/tmp/out.jsonl', '/hooks', {});
    expect(launch).toEqual({
      command: 'bundle',
      args: ['exec', 'rspec', '--tag', 'api', '--dry-run', '--require', '/hooks/rerecord_collect.rb', '--format', 'RerecordCollectFormatter', '/p/spec/a_spec.rb'],
      env: { RERECORD_COLLECT_OUTPUT: '/tmp/out.jsonl', DISABLE_SPRING: '1' },
    });
    expect(collector.launch(['/p/spec/a_spec.rb'], ['make', 'spec', 'FILE={file}'], '/tmp/out', '/hooks', {})).toEqual({ unavailable: expect.stringContaining('does not start the framework') });
  });

  it('says what stopped RSpec loading the suite', () => {
    const output = 'An error occurred while loading ./spec/models_spec.rb.\nFailure/Error: raise "x"\n\nRuntimeError:\n  models table unavailable\n# ./spec/support/models.rb:1\n';
    expect(collector.explain!(output)).toBe('An error occurred while loading ./spec/models_spec.rb. RuntimeError: models table unavailable');
  });

  it('what was collected replaces the metadata names of the source; a use_cassette in a body stays', () => {
    const files = {
      'spec/spec_helper.rb': 'VCR.configure do |c|\n  c.configure_rspec_metadata!\nend\n',
      'spec/models_spec.rb': "RSpec.describe 'Models', :vcr do\n  MODELS.each do |m|\n    it(m) { VCR.use_cassette('body') { } }\n  end\nend\n",
    };
    const context = { file: 'spec/models_spec.rb', source: files['spec/models_spec.rb'], cassetteDir: 'spec/cassettes', wrappers: [], project: memoryProject(files) };
    expect(rspec.mapFile!(context).unresolved).not.toEqual([]);
    const collected = { cassettes: ['spec/cassettes/Models/a.yml', 'spec/cassettes/Models/b.yml'], unresolved: [], possible: ['spec/cassettes/Models/a.yml', 'spec/cassettes/Models/b.yml'] };
    const mapped = rspec.mapFile!({ ...context, collected });
    expect(mapped.unresolved).toEqual([]);
    expect([...mapped.cassettes].sort()).toEqual(['spec/cassettes/Models/a.yml', 'spec/cassettes/Models/b.yml', 'spec/cassettes/body.yml']);
    expect(mapped.possible).toEqual(['spec/cassettes/Models/a.yml', 'spec/cassettes/Models/b.yml']);
  });
});

describe('pytest collection', () => {
  const pytest = PYTEST.collector!;

  it('asks through the command’s own runner with the plugin on PYTHONPATH, after the user’s own path', () => {
    expect(pytest.launch(['/p/tests/test_a.py'], ['python3', '-m', 'pytest', '-x', '{file}'], '/tmp/out.jsonl', '/hooks', { PYTHONPATH: '/venv/lib' })).toEqual({
      command: 'python3',
      args: ['-m', 'pytest', '-x', '-p', 'rerecord_collect', '--collect-only', '-q', '--continue-on-collection-errors', '-p', 'no:cacheprovider', '/p/tests/test_a.py'],
      env: { RERECORD_COLLECT_OUTPUT: '/tmp/out.jsonl', PYTHONPATH: '/venv/lib:/hooks' },
    });
    expect(pytest.launch(['/p/t.py'], ['tox', '-e', 'py', '--', '{file}'], '/tmp/out', '/hooks', {})).toEqual({ unavailable: expect.stringContaining('does not start the framework') });
  });

  it('a test marking a cassette itself makes it expected, whatever a module-wide mark says of it elsewhere', () => {
    const text = line({ file: `${WD}/tests/test_a.py`, cassette: `${WD}/tests/cassettes/shared.yaml`, spread: true }) + line({ file: `${WD}/tests/test_a.py`, cassette: `${WD}/tests/cassettes/shared.yaml`, spread: false });
    expect(pytest.read(text, { workingDirectory: WD, cassetteDir: 'tests' }).get('tests/test_a.py')).toEqual({ cassettes: ['tests/cassettes/shared.yaml'], unresolved: [], possible: [] });
  });

  it('what was collected replaces the mark names of the source; a use_cassette in a body stays', () => {
    const source = "import pytest\nimport vcr\n\n@pytest.mark.vcr\n@pytest.mark.parametrize('c', CASES)\ndef test_x(c):\n    with vcr.use_cassette('tests/cassettes/body.yaml'):\n        pass\n";
    const context = { file: 'tests/test_a.py', source, cassetteDir: 'tests', wrappers: [], project: memoryProject({ 'tests/test_a.py': source }) };
    expect(PYTEST.mapFile!(context).unresolved).not.toEqual([]);
    const mapped = PYTEST.mapFile!({ ...context, collected: { cassettes: ['tests/cassettes/test_a/test_x[a].yaml'], unresolved: [] } });
    expect(mapped.unresolved).toEqual([]);
    expect([...mapped.cassettes].sort()).toEqual(['tests/cassettes/body.yaml', 'tests/cassettes/test_a/test_x[a].yaml']);
  });
});

describe('mocha collection for Polly', () => {
  const mocha = POLLY.collector!;

  it('asks through mocha only, with the reporter and a dry run', () => {
    expect(mocha.launch(['/p/test/a.test.js'], ['npx', 'mocha', '--timeout', '5000', '{file}'], '/tmp/out.jsonl', '/hooks', {})).toEqual({
      command: 'npx',
      args: ['mocha', '--timeout', '5000', '--dry-run', '--reporter', '/hooks/rerecord-collect-mocha.cjs', '/p/test/a.test.js'],
      env: { RERECORD_COLLECT_OUTPUT: '/tmp/out.jsonl' },
    });
    expect(mocha.launch(['/p/test/a.test.js'], ['node', '--test', '{file}'], '/tmp/out', '/hooks', {})).toEqual({ unavailable: expect.stringContaining('does not start the framework') });
  });

  it('places each title path as Polly does, under the recordings folder', () => {
    const text = line({ file: `${WD}/test/a.test.js`, recording: 'Attachments/Get attachment' });
    expect(mocha.read(text, { workingDirectory: WD, cassetteDir: 'test/recordings' }).get('test/a.test.js')).toEqual({
      cassettes: [`test/recordings/${guidForRecording('Attachments/Get attachment')}/recording.har`],
      unresolved: [],
    });
  });

  it('what was collected replaces setupMocha’s titles; a new Polly(name) stays', () => {
    const source = "const { setupMocha, Polly } = require('@pollyjs/core');\ndescribe(name, () => {\n  setupMocha();\n  it('x', () => { new Polly('explicit'); });\n});\n";
    const context = { file: 'test/a.test.js', source, cassetteDir: 'test/recordings', wrappers: [], project: memoryProject({ 'test/a.test.js': source }) };
    expect(POLLY.mapFile!(context).unresolved).not.toEqual([]);
    const collected = { cassettes: [`test/recordings/${guidForRecording('Suite/x')}/recording.har`], unresolved: [] };
    const mapped = POLLY.mapFile!({ ...context, collected });
    expect(mapped.unresolved).toEqual([]);
    expect([...mapped.cassettes].sort()).toEqual([...collected.cassettes, `test/recordings/${guidForRecording('explicit')}/recording.har`].sort());
  });
});
