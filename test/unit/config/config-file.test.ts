import { describe, expect, it } from 'vitest';
import { configFileText, parseConfigFile, withConfigFile } from '../../../src/config/config-file.js';
import { ConfigError } from '../../../src/config/errors.js';

describe('parseConfigFile', () => {
  it('reads inputs under their names; lists become newline-separated input text', () => {
    expect(parseConfigFile('workers: 4\ndry-run: true\nvolatile-fields: [$.id, $.at]\ncommand: python3 -m pytest {file}\n')).toEqual({
      workers: '4',
      'dry-run': 'true',
      'volatile-fields': '$.id\n$.at',
      command: 'python3 -m pytest {file}',
    });
    expect(parseConfigFile('')).toEqual({});
  });
  it('names every unknown key, with a near miss when there is one', () => {
    const error = (() => {
      try {
        parseConfigFile('Workers: 4\nbogus: 1\n');
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.problems).toEqual([
      '.rerecord.yml: unknown key "Workers"; expected an input name (did you mean "workers"? see the README\'s input table)',
      '.rerecord.yml: unknown key "bogus"; expected an input name (see the README\'s input table)',
    ]);
  });
  it('refuses secrets and nested values', () => {
    expect(() => parseConfigFile('token: abc\n')).toThrow(/"token" is not allowed here: a secret must never be committed/);
    expect(() => parseConfigFile('workers: {a: 1}\n')).toThrow(/"workers": expected a string, number, boolean or list/);
    expect(() => parseConfigFile('- a\n')).toThrow(/expected a mapping/);
  });
});

describe('configFileText', () => {
  it('round-trips through the parser', () => {
    const text = configFileText({ framework: 'rspec', testDir: 'spec', cassetteDir: 'spec/cassettes', command: ['bundle', 'exec', 'rspec', '{file}'] });
    expect(parseConfigFile(text)).toEqual({ framework: 'rspec', 'test-dir': 'spec', 'cassette-dir': 'spec/cassettes', command: 'bundle exec rspec {file}' });
  });
});

describe('withConfigFile', () => {
  it('leaves a source alone when the folder has no file', () => {
    const source = { surface: 'cli' as const, read: () => undefined, label: (name: string) => `--${name}` };
    expect(withConfigFile(source, '/nonexistent-rerecord-folder')).toBe(source);
  });
});
