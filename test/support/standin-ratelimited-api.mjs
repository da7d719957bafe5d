// A stand-in for a rate-limited web API: a token bucket (`rate` requests per second, `burst` at
// most) in front of /items/N; beyond it every request gets 429 with a Retry-After (whole seconds,
// as real APIs send). And a suite of `custom` test files that record against it: each makes
// `requests` calls, writes a Ruby-VCR-format cassette of what it got, and fails on a non-200 answer,
// as a test asserting on the data would. Plain JavaScript: the bench uses it too.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * @typedef {object} RateLimitedApiOptions
 * @property {number} [rate]   tokens per second (default 20)
 * @property {number} [burst]  bucket size (default: rate)
 * @property {number} [port]   0 (default) picks a free port
 */

/** @param {RateLimitedApiOptions} [options] */
export async function startRateLimitedApi(options = {}) {
  const rate = options.rate ?? 20;
  const burst = options.burst ?? rate;
  let tokens = burst;
  let refilledAt = performance.now();
  const state = {
    served: 0,
    throttled: 0,
    /** URL substring -> how many more requests matching it get 429 whatever the bucket holds (a quota spent elsewhere). */
    exhausted: /** @type {Map<string, number>} */ (new Map()),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    const spent = [...state.exhausted.keys()].find((part) => (req.url ?? '').includes(part) && state.exhausted.get(part) > 0);
    if (spent !== undefined) state.exhausted.set(spent, state.exhausted.get(spent) - 1);
    const exhausted = spent !== undefined;
    if (exhausted || tokens < 1) {
      state.throttled++;
      const seconds = exhausted ? 1 : Math.max(1, Math.ceil((1 - tokens) / rate));
      return send(res, 429, { error: 'rate limit exceeded' }, { 'retry-after': String(seconds) });
    }
    tokens -= 1;
    state.served++;
    const match = /^\/items\/(\d+)$/.exec(url.pathname);
    if (!match) return send(res, 404, { error: 'not found' });
    return send(res, 200, { id: Number(match[1]), name: `item ${match[1]}` });
  });
  server.on('connection', (socket) => socket.unref());
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    rate,
    burst,
    state,
    /** The next `count` requests whose URL contains `part` get 429 (Infinity: every one). @param {string} part @param {number} [count] */
    exhaust(part, count = Infinity) {
      state.exhausted.set(part, count);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** @param {http.ServerResponse} res @param {number} status @param {unknown} body @param {Record<string, string>} [headers] */
function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

// What each test file runs: requests in turn, stopping at the first that is not 200 (the test's
// assertion fails there), then the cassette of what it got, as VCR would write it on eject.
const RECORDER = `import { writeFileSync } from 'node:fs';
import path from 'node:path';

const quote = (text) => "'" + String(text).replaceAll("'", "''") + "'";

/** Names the cassette where rerecord's mapper (cassette-functions: use_cassette) reads it. */
export const use_cassette = (name) => name;

export async function record(name, count) {
  const base = process.env.RATE_LIMITED_API_URL;
  if (!base) throw new Error('RATE_LIMITED_API_URL is not set');
  const lines = ['---', 'http_interactions:'];
  let failed = '';
  for (let i = 1; i <= count && !failed; i++) {
    const uri = base + '/items/' + i + '?file=' + name;
    const response = await fetch(uri);
    const body = await response.text();
    lines.push('- request:', '    method: get', '    uri: ' + uri, '    body:', '      encoding: UTF-8', "      string: ''", '    headers: {}');
    lines.push('  response:', '    status:', '      code: ' + response.status, '      message: ' + quote(response.statusText), '    headers:');
    for (const [header, value] of response.headers) if (header === 'content-type' || header === 'retry-after') lines.push('      ' + header + ':', '      - ' + quote(value));
    lines.push('    body:', '      encoding: UTF-8', '      string: ' + quote(body), '    http_version:', '  recorded_at: ' + new Date().toUTCString());
    if (response.status !== 200) failed = 'GET /items/' + i + ' answered ' + response.status;
  }
  lines.push('recorded_with: VCR 6.0.0', '');
  writeFileSync(path.join(process.cwd(), 'fixtures', name + '.yml'), lines.join('\\n'));
  if (failed) {
    console.error('expected 200: ' + failed);
    process.exitCode = 1;
  }
}
`;

/**
 * Writes `files` test files (tests/rl_NN.test.mjs) of `requests` calls each, plus their recorder,
 * into `dir`. Returns their names. Run them with framework custom, test-dir tests, test-pattern
 * `*.test.mjs`, cassette-dir fixtures, cassette-functions use_cassette, cassette-path `{name}.yml`,
 * command `node {file}`, and RATE_LIMITED_API_URL in the environment.
 * @param {string} dir @param {{files: number, requests: number}} shape
 */
export async function writeRateLimitedSuite(dir, shape) {
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  await mkdir(path.join(dir, 'fixtures'), { recursive: true });
  await mkdir(path.join(dir, 'support'), { recursive: true });
  await writeFile(path.join(dir, 'support', 'record.mjs'), RECORDER);
  const names = [];
  for (let n = 1; n <= shape.files; n++) {
    const name = `rl_${String(n).padStart(2, '0')}`;
    names.push(name);
    await writeFile(
      path.join(dir, 'tests', `${name}.test.mjs`),
      `import { record, use_cassette } from '../support/record.mjs';\n\nawait record(use_cassette('${name}'), ${shape.requests});\n`,
    );
  }
  return names;
}

/** The rerecord flags that run such a suite. @param {string} node the node binary */
export function rateLimitedSuiteFlags(node) {
  const word = /\s/.test(node) ? `"${node}"` : node;
  return [
    '--framework', 'custom', '--test-dir', 'tests', '--test-pattern', '*.test.mjs', '--cassette-dir', 'fixtures',
    '--cassette-functions', 'use_cassette', '--cassette-path', '{name}.yml', '--command', `${word} {file}`,
  ];
}
