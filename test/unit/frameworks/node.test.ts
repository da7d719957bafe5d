import { describe, expect, it } from 'vitest';
import { node } from '../../../src/frameworks/node/index.js';
import { memoryProject } from '../config/memory-project.js';

describe('nock back fixtures folder', () => {
  it.each([
    ["const nockBack = require('nock').back;\nnockBack.fixtures = path.join(__dirname, 'nockFixtures');", 'test/support/nockFixtures'],
    ["nock.back.fixtures = path.join(__dirname, '..', 'recorded');", 'test/recorded'],
    ["const { back } = nock;\nback.fixtures = 'fixtures/http';", 'fixtures/http'],
    ["nock.back.fixtures = path.resolve(process.cwd(), 'spec', 'nock');", 'spec/nock'],
    // A leading slash inside path.join is only a separator (a real suite's mocha helper).
    ["nockBack.fixtures = path.join(__dirname, '/nockFixtures');", 'test/support/nockFixtures'],
    ['nockBack.fixtures = `${__dirname}/recorded`;', 'test/support/recorded'],
    ["nockBack.fixtures = __dirname + '/../fixtures';", 'test/fixtures'],
  ])('%s -> %s', (helper, dir) => {
    expect(node.defaultCassetteDir(memoryProject({ 'test/support/setup.js': helper, 'test/a.test.js': '' }), 'test')).toBe(dir);
  });

  it('ignores comparisons, commented-out and computed folders, and falls back to <test-dir>/fixtures', () => {
    const helper = [
      "if (nock.back.fixtures == 'x') {}",
      "// nock.back.fixtures = path.join(__dirname, 'old');",
      'nock.back.fixtures = process.env.FIXTURES;',
      // path.resolve starts again from the root at a leading slash: nowhere in the project.
      "nock.back.fixtures = path.resolve(__dirname, '/abs/fixtures');",
    ].join('\n');
    expect(node.defaultCassetteDir(memoryProject({ 'test/helper.js': helper, 'test/a.test.js': '' }), 'test')).toBe('test/fixtures');
  });
});
