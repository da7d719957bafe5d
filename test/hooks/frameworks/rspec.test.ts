// Tier test/hooks: needs ruby with rspec, vcr and webmock, and a free loopback port (stand-in API).
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hookDirectory } from '../../../src/frameworks/hook-directory.js';
import { rspec } from '../../../src/frameworks/rspec/index.js';
import { startStandinApi } from '../../support/standin-api.mjs';
import { memoryProject } from '../../unit/config/memory-project.js';

// The static names must be the ones VCR really uses: run rspec with the hook and compare.
describe('rspec static mapping agrees with VCR itself', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names every :vcr and use_cassette cassette as the record hook journals it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-rspec-names-'));
    await mkdir(path.join(dir, 'spec'));
    const helper = ["require 'vcr'", 'VCR.configure do |c|', "  c.cassette_library_dir = File.expand_path('vcr', __dir__)", '  c.configure_rspec_metadata!', 'end'];
    const spec = [
      "require_relative 'spec_helper'",
      'class Widget; end',
      'module Shop; class Cart; end; end',
      "RSpec.describe Widget, '#price', :vcr do",
      "  it 'costs $5.00 (net)' do end",
      "  context 'when on sale: 50% off!' do",
      '    it "halves — the price" do end',
      "    specify('déjà vu') { }",
      '  end',
      'end',
      'RSpec.describe Shop::Cart, vcr: { record: :none } do',
      "  describe '.total' do it('adds  up') { } end",
      "  it 'named', vcr: { cassette_name: 'my cassette.v2' } do end",
      "  it 'off', vcr: false do end",
      'end',
      "describe 'Str', '#foo' do",
      "  it 'x', :vcr do end",
      "  it 'uses one' do VCR.use_cassette('dir/plain name', record: :none) { } end",
      'end',
      "RSpec.describe 'dots.in.name a/b' do",
      "  it 'x/y..z', :vcr => true do end",
      'end',
    ];
    await writeFile(path.join(dir, 'spec', 'spec_helper.rb'), helper.join('\n'));
    await writeFile(path.join(dir, 'spec', 'names_spec.rb'), spec.join('\n'));
    const journal = path.join(dir, 'journal.jsonl');
    const launch = rspec.launch(path.join(dir, 'spec', 'names_spec.rb'), rspec.defaultCommand, { hookDirectory: hookDirectory('rspec'), journal, backupDirectory: dir }, process.env);
    execFileSync(launch.command, launch.args, { cwd: dir, env: { ...process.env, ...launch.env }, stdio: 'pipe' });

    const journaled = (await readFile(journal, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => path.relative(dir!, JSON.parse(line).cassette as string))
      .sort();
    const cassetteDir = rspec.defaultCassetteDir(memoryProject({ 'spec/spec_helper.rb': helper.join('\n') }), 'spec');
    const mapped = rspec
      .findCassetteRefs(spec.join('\n'), [])
      .map((ref) => rspec.cassettePath(cassetteDir, ref.name!))
      .sort();
    expect(mapped).toEqual(journaled);
    expect(journaled).toHaveLength(8);
  });
});

// The hook on its own: pinned record modes overridden, stale interactions gone, one journal line.
describe('rspec record hook', () => {
  const key = 'unit-key';
  let api: Awaited<ReturnType<typeof startStandinApi>>;
  let dir: string | undefined;
  beforeAll(async () => {
    api = await startStandinApi({ key, generation: 'g7' });
  });
  afterAll(() => api.close());
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('backs up and deletes a cassette on its first open only, and records everything fresh', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-rspec-hook-'));
    const backups = path.join(dir, 'backups');
    await mkdir(path.join(dir, 'spec', 'vcr'), { recursive: true });
    await mkdir(backups);
    const stale = ['---', 'http_interactions:', '- request: {method: get, uri: "http://api.test/stale", body: {encoding: UTF-8, string: ""}, headers: {}}',
      '  response: {status: {code: 200, message: OK}, headers: {}, body: {encoding: UTF-8, string: "stale"}}', '  recorded_at: Mon, 02 Jan 2023 00:00:00 GMT',
      'recorded_with: VCR 5.0.0', ''].join('\n');
    await writeFile(path.join(dir, 'spec', 'vcr', 'twice.yml'), stale);
    const spec = [
      "require 'net/http'",
      "require 'vcr'",
      "VCR.configure { |c| c.cassette_library_dir = 'spec/vcr'; c.hook_into :webmock; c.default_cassette_options = { record: :none } }",
      "get = ->(p) { u = URI(ENV['API'] + p); Net::HTTP.start(u.host, u.port) { |h| h.get(p, 'X-Api-Key' => ENV['KEY']).body } }",
      "RSpec.describe 'twice' do",
      "  it('a') { VCR.use_cassette('twice', record: :none) { expect(get.('/users')).to include('g7') } }",
      "  it('b') { VCR.use_cassette('twice', record: :once) { expect(get.('/status')).to include('g7') } }",
      'end',
    ];
    await writeFile(path.join(dir, 'spec', 'twice_spec.rb'), spec.join('\n'));
    const journal = path.join(dir, 'journal.jsonl');
    const launch = rspec.launch(path.join(dir, 'spec', 'twice_spec.rb'), ['rspec', '--require', 'webmock', '{file}'], { hookDirectory: hookDirectory('rspec'), journal, backupDirectory: backups }, process.env);
    // Asynchronously: the stand-in API answers from this very process.
    await promisify(execFile)(launch.command, launch.args, { cwd: dir, env: { ...process.env, ...launch.env, API: api.url, KEY: key }, timeout: 30_000 });

    const lines = (await readFile(journal, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const cassette = path.join(dir, 'spec', 'vcr', 'twice.yml');
    expect(lines).toEqual([{ cassette, existed: true, backup: path.join(backups, '1-twice.yml') }]);
    expect(await readFile(path.join(backups, '1-twice.yml'), 'utf8')).toBe(stale);
    const recorded = await readFile(cassette, 'utf8');
    expect(recorded).not.toContain('stale');
    expect(recorded).toContain(`${api.url}/users`);
    expect(recorded).toContain(`${api.url}/status`);
  });

  it('does nothing without RERECORD_JOURNAL', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-rspec-hook-'));
    const out = execFileSync('ruby', ['-e', "require 'vcr'; p VCR::Cassette.ancestors.first"], {
      cwd: dir,
      env: { ...process.env, RUBYLIB: hookDirectory('rspec'), RUBYOPT: '-rrerecord_vcr', RERECORD_JOURNAL: '', RERECORD_BACKUP_DIR: dir },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('VCR::Cassette');
  });
});
