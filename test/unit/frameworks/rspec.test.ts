import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rspec, sanitizeCassetteName } from '../../../src/frameworks/rspec/index.js';
import { memoryProject } from '../config/memory-project.js';

const names = (source: string, wrappers: string[] = []) => rspec.findCassetteRefs(source, wrappers).map((ref) => ref.name);

describe('rspec cassette references: VCR.use_cassette and friends', () => {
  it.each([
    ["VCR.use_cassette('items') { get('/items') }", 'items'],
    ['VCR.use_cassette("dir/x", record: :once) do', 'dir/x'],
    ["VCR.use_cassette 'bare', :record => :new_episodes do", 'bare'],
    ['VCR.use_cassette(:symbol) do', 'symbol'],
    ["VCR.insert_cassette('inserted')", 'inserted'],
    ["::VCR.use_cassette(\n  'multi line',\n  record: :all,\n) do", 'multi line'],
    ['VCR.use_cassette(%q(percent)) do', 'percent'],
    ['VCR.use_cassette("escaped \\"quote\\"") do', 'escaped "quote"'],
    ['cassette = VCR.use_cassette "in assignment", erb: true do', 'in assignment'],
  ])('%s -> %s', (source, name) => {
    expect(names(source)).toEqual([name]);
  });

  it('reads the cassette-functions wrappers, not their definitions or method calls on objects', () => {
    const source = ['def with_api(name, &block)', '  VCR.use_cassette(name, &block)', 'end', "with_api('a') { }", "with_api 'b' do end", "client.with_api('c')"].join('\n');
    expect(rspec.findCassetteRefs(source, ['with_api'])).toEqual([
      { name: undefined, expression: 'name', line: 2 },
      { name: 'a', expression: "'a'", line: 4 },
      { name: 'b', expression: "'b'", line: 5 },
    ]);
  });

  it('leaves computed names unresolved and ignores comments, strings, heredocs and look-alikes', () => {
    const source = [
      "# VCR.use_cassette('commented')",
      "x = \"VCR.use_cassette('in string')\"",
      '=begin',
      "VCR.use_cassette('block comment')",
      '=end',
      'body = <<~JSON',
      "  VCR.use_cassette('heredoc')",
      'JSON',
      'VCR.use_cassette("dyn_#{id}") { }',
      "VCR.use_cassette('real') { } # VCR.use_cassette('trailing')",
      "VCR.use_cassette(prefix + 'x')",
      "MyVCR.use_cassette('other'); VCR.eject_cassette",
      "expect(body).to match(/VCR.use_cassette('regex')/)",
    ].join('\n');
    expect(rspec.findCassetteRefs(source, [])).toEqual([
      { name: undefined, expression: '"dyn_#{id}"', line: 9 },
      { name: 'real', expression: "'real'", line: 10 },
      { name: undefined, expression: "prefix + 'x'", line: 11 },
    ]);
  });
});

describe('rspec cassette references: :vcr metadata', () => {
  it('names cassettes after the group and example descriptions', () => {
    const source = [
      "RSpec.describe 'Users API', :vcr do",
      "  it 'lists users' do",
      "    expect(1).to eq(1) if true",
      '  end',
      "  context 'when paged' do",
      "    it('reads page 2') { }",
      "    it 'is not recorded', vcr: false do end",
      '  end',
      "  context 'named', vcr: { cassette_name: 'users_page', record: :once } do",
      "    specify 'x' do end",
      '  end',
      'end',
      "describe 'Plain' do",
      "  it 'has no cassette' do end",
      "  it 'opts in', :vcr => true do end",
      "  scenario \"with #{interpolation}\", :vcr do end",
      "  it 'picks a name', vcr: { cassette_name: name_for(1) } do end",
      '  it :vcr do end',
      'end',
    ].join('\n');
    expect(rspec.findCassetteRefs(source, [])).toEqual([
      { name: 'Users API/lists users', expression: "vcr metadata: it 'lists users'", line: 2 },
      { name: 'Users API/when paged/reads page 2', expression: "vcr metadata: it('reads page 2')", line: 6 },
      { name: 'users_page', expression: "specify 'x'", line: 10 },
      { name: 'Plain/opts in', expression: "vcr metadata: it 'opts in', :vcr => true", line: 15 },
      { name: undefined, expression: 'vcr metadata: scenario "with #{interpolation}", :vcr', line: 16 },
      { name: undefined, expression: 'name_for(1)', line: 17 },
      { name: undefined, expression: 'vcr metadata: it :vcr', line: 18 },
    ]);
  });

  it('skips x-ed examples, and shared examples nobody includes', () => {
    const source = [
      "xdescribe 'Off', :vcr do it 'x' do end end",
      "describe 'On', :vcr do",
      "  xit 'skipped' do end",
      "  shared_examples 'a list' do it 'lists' do end end",
      'end',
    ].join('\n');
    expect(rspec.findCassetteRefs(source, [])).toEqual([]);
  });

  it('keeps track of blocks through modifiers, loops, defs and braces', () => {
    const source = [
      "describe 'Outer', :vcr do",
      '  def helper(x) = x * 2',
      '  def value=(v); @v = v; end',
      '  def check',
      '    return if done?',
      '    while busy do [1].each do |x| sleep x end end',
      '    items.each { |i| puts i unless i.nil? }',
      '    case x when 1 then :a end',
      '    r = (1..2).end; h = { end: 1, if: 2, do: 3 }; s = :end',
      '    v = y ? :a : :b; list = %w[do end if]; w = if a then 1 else 2 end',
      '    arr << 1 while false; f = ->(x) do x end; t = 10 / 2 / 1',
      "    `echo end`; m = x.match(/ end(/); n = ?e; q = { 'do' => 1 }",
      '  end',
      "  it 'after all that' do end",
      'end',
      "it 'top level', :vcr do end",
    ].join('\n');
    expect(names(source)).toEqual(['Outer/after all that', 'top level']);
  });

  it('builds group descriptions as RSpec does: classes, `#method` and two strings', () => {
    const source = [
      "RSpec.describe Shop::Cart, '#total', :vcr do it 'adds' do end end",
      "RSpec.describe 'Cart', '#total', :vcr do it 'adds' do end end",
      "describe Widget, 'sizes', vcr: true do it 'x' do end end",
      'describe SOME_NAME, :vcr do it "y" do end end',
    ].join('\n');
    expect(names(source)).toEqual(['Shop::Cart#total/adds', 'Cart #total/adds', 'Widget sizes/x', undefined]);
  });
});

describe('rspec cassette paths', () => {
  it.each([
    ['items', 'spec/cassettes/items.yml'],
    ['Users API/lists users', 'spec/cassettes/Users_API/lists_users.yml'],
    ['Shop::Cart#total/adds  up', 'spec/cassettes/Shop_Cart_total/adds_up.yml'],
    ['my cassette.v2', 'spec/cassettes/my_cassette_v2.yml'],
    ['déjà — vu', 'spec/cassettes/déjà_vu.yml'],
    ['keep-dashes_and/slashes', 'spec/cassettes/keep-dashes_and/slashes.yml'],
  ])('%s -> %s', (name, file) => {
    expect(rspec.cassettePath('spec/cassettes', name)).toBe(file);
  });

  it('sanitizes like VCR (runs of non-word characters become one _)', () => {
    expect(sanitizeCassetteName('a..b (c)!')).toBe('a_b_c_');
  });
});

describe('rspec detection and defaults', () => {
  it('detects .rspec or spec/spec_helper.rb', () => {
    expect(rspec.detect!(memoryProject({ '.rspec': '--require spec_helper\n' }))).toBe('.rspec');
    expect(rspec.detect!(memoryProject({ 'spec/spec_helper.rb': '' }))).toBe('spec/spec_helper.rb');
    expect(rspec.detect!(memoryProject({ 'spec/foo_spec.rb': '', 'test/test_helper.rb': '' }))).toBeUndefined();
    expect(rspec).toMatchObject({ defaultTestDir: 'spec', defaultTestPattern: '**/*_spec.rb', defaultCommand: ['rspec', '{file}'], hookFiles: ['rerecord_vcr.rb', 'rerecord_worker.rb', 'rerecord_collect.rb'] });
  });

  it.each([
    ["c.cassette_library_dir = 'spec/vcr'", 'spec/spec_helper.rb', 'spec/vcr'],
    ['config.cassette_library_dir = "fixtures/cassettes/"', 'spec/spec_helper.rb', 'fixtures/cassettes'],
    ["c.cassette_library_dir = File.expand_path('fixtures/vcr', __dir__)", 'spec/spec_helper.rb', 'spec/fixtures/vcr'],
    ["c.cassette_library_dir = File.expand_path('../fixtures/vcr', __FILE__)", 'spec/support/vcr.rb', 'spec/support/fixtures/vcr'],
    ["c.cassette_library_dir = File.expand_path('../../fixtures', __FILE__)", 'spec/support/vcr.rb', 'spec/fixtures'],
    ["c.cassette_library_dir = File.join(File.dirname(__FILE__), 'cassettes')", 'spec/spec_helper.rb', 'spec/cassettes'],
    ['c.cassette_library_dir = "#{__dir__}/../cassettes"', 'spec/support/vcr.rb', 'spec/cassettes'],
    ["c.cassette_library_dir = Rails.root.join('spec', 'vcr').to_s", 'spec/rails_helper.rb', 'spec/vcr'],
    ['c.cassette_library_dir = "#{Rails.root}/spec/vcr"', 'spec/rails_helper.rb', 'spec/vcr'],
    ["VCR.configure { |c| c.cassette_library_dir = Pathname.new(__dir__).join('vcr').to_s }", 'spec/spec_helper.rb', 'spec/vcr'],
  ])('%s in %s -> %s', (line, file, dir) => {
    expect(rspec.defaultCassetteDir(memoryProject({ [file]: `VCR.configure do |c|\n  ${line}\nend\n` }), 'spec')).toBe(dir);
  });

  it('falls back to <test-dir>/fixtures/vcr_cassettes when the dir is not a literal path', () => {
    expect(rspec.defaultCassetteDir(memoryProject({ 'spec/spec_helper.rb': "c.cassette_library_dir = ENV.fetch('DIR')\n" }), 'spec')).toBe('spec/fixtures/vcr_cassettes');
    expect(rspec.defaultCassetteDir(memoryProject({ 'spec/spec_helper.rb': "c.cassette_library_dir = '/abs/vcr'\n" }), 'spec')).toBe('spec/fixtures/vcr_cassettes');
    expect(rspec.defaultCassetteDir(memoryProject({ 'spec/x_spec.rb': "c.cassette_library_dir = 'not/a/helper'\n" }), 'spec')).toBe('spec/fixtures/vcr_cassettes');
  });
});

describe('rspec launch', () => {
  const hook = { hookDirectory: '/opt/rerecord hooks', journal: '/tmp/j.jsonl', backupDirectory: '/tmp/b' };
  const saved = { RUBYOPT: process.env.RUBYOPT, RUBYLIB: process.env.RUBYLIB };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('loads the hook through RUBYLIB + RUBYOPT, so that any command (bundle exec ...) gets it', () => {
    delete process.env.RUBYOPT;
    delete process.env.RUBYLIB;
    expect(rspec.launch('/p/spec/a_spec.rb', rspec.defaultCommand, hook, process.env)).toEqual({
      command: 'rspec',
      args: ['/p/spec/a_spec.rb'],
      env: { RERECORD_MODE: 'record', RERECORD_JOURNAL: '/tmp/j.jsonl', RERECORD_BACKUP_DIR: '/tmp/b', RUBYLIB: '/opt/rerecord hooks', RUBYOPT: '-rrerecord_vcr', DISABLE_SPRING: '1' },
    });
  });

  it('keeps the RUBYOPT and RUBYLIB it inherits', () => {
    process.env.RUBYOPT = '-W0';
    process.env.RUBYLIB = '/usr/local/lib/ruby';
    const spec = rspec.launch('/p/spec/a_spec.rb', ['bundle', 'exec', 'rspec', '{file}'], hook, process.env);
    expect(spec).toMatchObject({ command: 'bundle', args: ['exec', 'rspec', '/p/spec/a_spec.rb'] });
    expect(spec.env).toMatchObject({ RUBYOPT: '-W0 -rrerecord_vcr', RUBYLIB: `/opt/rerecord hooks${path.delimiter}/usr/local/lib/ruby` });
  });
});
