// A stand-in for a web API that test suites record cassettes against.
// Plain JavaScript so that the demo can start it with nothing but Node.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';

/**
 * @typedef {object} StandinApiOptions
 * @property {string} key          the API key every request must carry in `X-Api-Key`
 * @property {string} [generation] marks every answer, so a test can tell fresh recordings from old ones
 * @property {number} [port]       0 (default) picks a free port
 */

const ITEMS = [
  { id: 1, name: 'alpha' },
  { id: 2, name: 'beta' },
  { id: 3, name: 'gamma' },
];
const USERS = [
  { login: 'ada', role: 'admin' },
  { login: 'grace', role: 'member' },
];

/** @param {StandinApiOptions} options */
export async function startStandinApi(options) {
  const state = {
    generation: options.generation ?? 'g1',
    /** Adds a field to /items answers: the kind of drift a reviewer must see. */
    extraField: false,
    /** path -> status: answers that status instead, as during an outage or a rate limit. */
    outages: /** @type {Map<string, number>} */ (new Map()),
    requests: /** @type {string[]} */ ([]),
  };
  const hanging = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    state.requests.push(`${req.method} ${url.pathname}`);
    if (req.headers['x-api-key'] !== options.key) {
      return send(res, 401, { error: 'unauthorized', message: 'missing or wrong X-Api-Key' });
    }
    const outage = state.outages.get(url.pathname);
    if (outage) return send(res, outage, { error: 'service unavailable' });
    const route = routes[url.pathname] ?? itemRoute(url.pathname);
    if (route === 'hang') {
      hanging.add(res);
      return;
    }
    // Echoes the request's headers (the key among them), gzip-compressed when the client accepts it:
    // the recording then holds the key only inside compressed bytes.
    if (url.pathname === '/echo') return sendCompressed(res, { generation: state.generation, headers: req.headers }, /\bgzip\b/.test(req.headers['accept-encoding'] ?? ''));
    if (!route) return send(res, 404, { error: 'not found', path: url.pathname });
    const [status, body] = route(state);
    return send(res, status, body);
  });
  server.on('connection', (socket) => socket.unref());
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    state,
    /** @param {string} generation */
    setGeneration(generation) {
      state.generation = generation;
    },
    /** @param {boolean} on */
    setExtraField(on) {
      state.extraField = on;
    },
    /** @param {string} pathname @param {number | undefined} status */
    setOutage(pathname, status) {
      if (status === undefined) state.outages.delete(pathname);
      else state.outages.set(pathname, status);
    },
    close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** @type {Record<string, ((state: {generation: string, extraField: boolean}) => [number, unknown]) | 'hang'>} */
const routes = {
  '/items': (state) => [200, { generation: state.generation, items: state.extraField ? ITEMS.map((item) => ({ ...item, price: item.id * 10 })) : ITEMS }],
  '/users': (state) => [200, { generation: state.generation, users: USERS }],
  '/status': (state) => [200, { generation: state.generation, ok: true }],
  // A fresh id on every call: what learn-noise learns is volatile.
  '/tokens': (state) => [200, { generation: state.generation, token: { id: randomUUID() } }],
  '/boom': () => [500, { error: 'internal server error' }],
  '/hang': 'hang',
};

/** @param {string} pathname */
function itemRoute(pathname) {
  const match = /^\/items\/(\d+)$/.exec(pathname);
  if (!match) return undefined;
  const item = ITEMS.find((candidate) => candidate.id === Number(match[1]));
  return (/** @type {{generation: string}} */ state) =>
    /** @type {[number, unknown]} */ (item ? [200, { generation: state.generation, item }] : [404, { error: 'no such item' }]);
}

/** @param {http.ServerResponse} res @param {number} status @param {unknown} body */
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': Math.random().toString(16).slice(2),
  });
  res.end(text);
}

function sendCompressed(res, body, gzip) {
  if (!gzip) return send(res, 200, body);
  const bytes = gzipSync(JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bytes.length });
  res.end(bytes);
}
