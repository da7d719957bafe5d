// What `rspec --dry-run` with rerecord's formatter wrote, read back; and how a spec's mapping merges
// it with what its source names.
import { describe, expect, it } from 'vitest';
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
    expect(collector.read(text, WD).get('spec/models_spec.rb')).toEqual({
      cassettes: ['spec/cassettes/Models/alpha/fetches.yml', 'spec/cassettes/own.yml'],
      unresolved: [],
      possible: ['spec/cassettes/Models/alpha/fetches.yml'],
    });
  });

  it('a file VCR could not name an example of is left to static analysis, saying why', () => {
    const text = line({ file: './spec/a_spec.rb', cassette: `${WD}/spec/cassettes/a.yml`, spread: false }) + line({ file: './spec/a_spec.rb', error: 'ArgumentError: bad serializer' });
    expect(collector.read(text, WD).get('spec/a_spec.rb')).toEqual({ failure: 'ArgumentError: bad serializer' });
  });

  it('asks through the command’s own runner, and only through it', () => {
    const launch = collector.launch(['/p/spec/a_spec.rb'], ['bundle', 'exec', 'rspec', '--tag', 'api', '{file}'], '/tmp/out.jsonl', '/hooks');
    expect(launch).toEqual({
      command: 'bundle',
      args: ['exec', 'rspec', '--tag', 'api', '--dry-run', '--require', '/hooks/rerecord_collect.rb', '--format', 'RerecordCollectFormatter', '/p/spec/a_spec.rb'],
      env: { RERECORD_COLLECT_OUTPUT: '/tmp/out.jsonl', DISABLE_SPRING: '1' },
    });
    expect(collector.launch(['/p/spec/a_spec.rb'], ['make', 'spec', 'FILE={file}'], '/tmp/out', '/hooks')).toEqual({ unavailable: expect.stringContaining('does not start the framework') });
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
