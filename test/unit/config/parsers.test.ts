import { describe, expect, it } from 'vitest';
import { commandTemplate, duration, hostMap, InputProblem, list, shard, statusList } from '../../../src/config/parsers.js';

describe('parsers', () => {
  it.each([
    ['500ms', 500],
    ['0.5s', 500],
    ['2', 2000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
  ])('duration %s -> %i ms', (raw, ms) => {
    expect(duration(raw)).toBe(ms);
  });

  it('splits a command into words, honouring quotes, without a shell', () => {
    expect(commandTemplate(`go test -run "Test A" '{file}' --tags=x`)).toEqual(['go', 'test', '-run', 'Test A', '{file}', '--tags=x']);
    expect(commandTemplate('')).toEqual([]);
  });

  it('reads lists separated by commas or newlines', () => {
    expect(list(' a, b\n\nc ,')).toEqual(['a', 'b', 'c']);
  });

  it('reads shards', () => {
    expect(shard('3 / 4')).toEqual({ index: 3, count: 4 });
  });

  it('reads record-host-map pairs and names a bad entry', () => {
    expect(hostMap('http://127.0.0.1:8080=https://api.example.com, http://localhost:3000 = http://api.test')).toEqual([
      { from: 'http://127.0.0.1:8080', to: 'https://api.example.com' },
      { from: 'http://localhost:3000', to: 'http://api.test' },
    ]);
    expect(() => hostMap('http://a')).toThrow(InputProblem);
    expect(() => hostMap('=x')).toThrow(/bad entry "=x"/);
  });

  it('checks poison statuses and keeps them as written', () => {
    expect(statusList('401, 5xx, 520-530')).toEqual(['401', '5xx', '520-530']);
    expect(() => statusList('5x')).toThrow(/statuses such as 401, 429, 5xx or 500-599 .*"5x"/);
  });
});

describe('command placeholders', () => {
  it('fills {file} and {dir} (the file\'s folder, for runners of packages)', async () => {
    const { fillCommand } = await import('../../../src/frameworks/preset.js');
    expect(fillCommand(['go', 'test', '-count=1', '{dir}'], '/repo/internal/client/client_test.go')).toEqual({ command: 'go', args: ['test', '-count=1', '/repo/internal/client'] });
    expect(commandTemplate('go test {dir}')).toEqual(['go', 'test', '{dir}']);
  });
});
