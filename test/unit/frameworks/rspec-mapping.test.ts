import { describe, expect, it } from 'vitest';
import { defaultSerializer, rspec } from '../../../src/frameworks/rspec/index.js';
import { memoryProject } from '../config/memory-project.js';

const HELPER = "VCR.configure do |c|\n  c.cassette_library_dir = 'spec/cassettes'\n  c.configure_rspec_metadata!\nend\n";

function plan(file: string, files: Record<string, string>) {
  return rspec.mapFile!({ file, source: files[file]!, cassetteDir: 'spec/cassettes', wrappers: [], project: memoryProject(files) });
}

describe('RSpec mapping with the helpers', () => {
  it('maps :vcr metadata only when a helper calls configure_rspec_metadata!', () => {
    const spec = "describe 'Users', :vcr do\n  it 'lists' do end\nend\nVCR.use_cassette('plain') {}\n";
    expect(plan('spec/a_spec.rb', { 'spec/spec_helper.rb': HELPER, 'spec/a_spec.rb': spec }).cassettes).toEqual(['spec/cassettes/Users/lists.yml', 'spec/cassettes/plain.yml']);
    expect(plan('spec/a_spec.rb', { 'spec/spec_helper.rb': "VCR.configure { |c| c.hook_into :webmock }\n", 'spec/a_spec.rb': spec }).cassettes).toEqual(['spec/cassettes/plain.yml']);
  });

  it("makes a group's :vcr possible for its examples (VCR writes nothing without a request), an example's own expected", () => {
    const spec = [
      "describe 'Users', :vcr do",
      "  it 'lists' do end",
      "  it 'counts', :vcr do end",
      "  context 'named', vcr: { cassette_name: 'shared' } do",
      "    it 'reads' do end",
      '  end',
      'end',
      "VCR.use_cassette('shared') {}",
    ].join('\n');
    const mapped = plan('spec/a_spec.rb', { 'spec/spec_helper.rb': HELPER, 'spec/a_spec.rb': spec });
    expect(mapped.cassettes).toEqual(expect.arrayContaining(['spec/cassettes/Users/lists.yml', 'spec/cassettes/Users/counts.yml', 'spec/cassettes/shared.yml']));
    // shared.yml: spread by its group, but a use_cassette names it too.
    expect(mapped.possible).toEqual(['spec/cassettes/Users/lists.yml']);
  });

  it.each([
    ['c.default_cassette_options = { serialize_with: :json }', 'json'],
    ["c.default_cassette_options = {\n    record: :once,\n    :serialize_with => :json\n  }", 'json'],
    ['c.default_cassette_options[:serialize_with] = :compressed', 'compressed'],
    ['c.default_cassette_options = { serialize_with: SERIALIZER }', null],
    ['c.default_cassette_options = { record: :once }', undefined],
  ])('reads the default serializer from %s', (line, serializer) => {
    expect(defaultSerializer(`VCR.configure do |c|\n  ${line}\nend\n`)).toBe(serializer);
  });

  it('gives each cassette the extension of its serializer: default, per call, per metadata', () => {
    const helper = `${HELPER}VCR.configure { |c| c.default_cassette_options = { serialize_with: :json } }\n`;
    const spec = [
      "describe 'A', :vcr do",
      "  it 'one' do end",
      "  it 'two', vcr: { serialize_with: :yaml } do end",
      "  it 'three', vcr: { cassette_name: 'named', serialize_with: :compressed } do end",
      'end',
      "VCR.use_cassette('call', serialize_with: :yaml) {}",
      "VCR.use_cassette('dyn', serialize_with: format) {}",
    ].join('\n');
    expect(plan('spec/a_spec.rb', { 'spec/spec_helper.rb': helper, 'spec/a_spec.rb': spec })).toEqual({
      cassettes: ['spec/cassettes/A/one.json', 'spec/cassettes/A/two.yml', 'spec/cassettes/named.zz', 'spec/cassettes/call.yml'],
      unresolved: [{ name: undefined, expression: "'dyn' (serialize_with only known at run time)", line: 7, file: undefined, pattern: undefined }],
      possible: ['spec/cassettes/A/one.json'],
    });
  });

  it('maps shared examples where they are included, from the spec or from support files', () => {
    const files = {
      'spec/spec_helper.rb': HELPER,
      'spec/support/shared/listing.rb': "RSpec.shared_examples 'a listing' do |path|\n  context 'paged' do\n    it 'lists', :vcr do end\n  end\nend\n",
      'spec/a_spec.rb': [
        "shared_examples_for 'healthy' do",
        "  it 'is ok' do end",
        'end',
        "RSpec.describe 'API' do",
        "  it_behaves_like 'a listing', '/items'",
        "  context 'checked', :vcr do",
        "    include_examples 'healthy'",
        "    it_behaves_like 'healthy'",
        '  end',
        "  it_behaves_like 'healthy', :vcr do",
        "    it 'adds its own', :vcr do end",
        '  end',
        "  it_behaves_like shared_name",
        "  it_behaves_like 'nowhere'",
        'end',
      ].join('\n'),
    };
    const mapped = plan('spec/a_spec.rb', files);
    expect(mapped.cassettes.sort()).toEqual(
      [
        'API/behaves_like_a_listing/paged/lists',
        'API/checked/is_ok',
        'API/checked/behaves_like_healthy/is_ok',
        'API/behaves_like_healthy/is_ok',
        'API/behaves_like_healthy/adds_its_own',
      ]
        .map((name) => `spec/cassettes/${name}.yml`)
        .sort(),
    );
    expect(mapped.unresolved.map((ref) => [ref.expression, ref.line])).toEqual([
      ['it_behaves_like shared_name: shared examples not found', 13],
      ["it_behaves_like 'nowhere': shared examples not found", 14],
    ]);
  });

  it('follows let names, including lets that nested groups override for a hook', () => {
    const spec = [
      "describe 'Files' do",
      "  let(:cassette) { 'files list' }",
      '  around { |ex| VCR.use_cassette(cassette) { ex.run } }',
      "  it 'lists' do end",
      "  context 'empty' do",
      "    let(:cassette) { 'files empty' }",
      "    it 'is empty' do end",
      '  end',
      "  context 'computed' do",
      '    let(:cassette_name) { "files #{n}" }',
      "    it 'uses it' do",
      '      VCR.use_cassette(cassette_name) {}',
      '    end',
      '  end',
      'end',
    ].join('\n');
    const mapped = plan('spec/a_spec.rb', { 'spec/spec_helper.rb': HELPER, 'spec/a_spec.rb': spec });
    expect(mapped.cassettes).toEqual(['spec/cassettes/files_list.yml', 'spec/cassettes/files_empty.yml']);
    expect(mapped.unresolved.map((ref) => [ref.expression, ref.line])).toEqual([['cassette_name', 12]]);
  });
});
