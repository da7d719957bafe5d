// Synthetic R vcr (1.x) YAML cassettes for bench/cassettes.mjs: what yaml::write_yaml writes for
// vcr, with realistic JSON bodies (nested objects, apostrophes, non-ASCII), base64 bodies, volatile
// headers, and a "re-recorded" twin of each (new Date, x-request-id and recorded_at; optionally one
// JSON field added). Deterministic from a seed. Plain ESM, no dependencies.

/** Small helpers over one PRNG. */
import { mulberry32 } from './common.mjs';

export function rng(seed) {
  const random = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(random() * list.length)];
  const hex = (n) => {
    let out = '';
    while (out.length < n) out += ((random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, n);
  };
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const alnum = (n) => {
    let out = '';
    for (let i = 0; i < n; i++) out += ALNUM[Math.floor(random() * 62)];
    return out;
  };
  const bytes = (n) => {
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) words[i] = (random() * 0x100000000) >>> 0;
    return Buffer.from(words.buffer, 0, n);
  };
  /** Log-uniform in [lo, hi]. */
  const logUniform = (lo, hi) => Math.round(Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo))));
  return { random, int, pick, hex, alnum, bytes, logUniform };
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Édouard', 'Zoë', 'Seán', 'Jürgen', 'Chloé', 'Björn'];
const LAST = ["O'Brien", 'Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen', "D'Angelo", 'Müller', 'Núñez'];
const CITIES = ['Zürich', 'São Paulo', 'Kraków', 'Reykjavík', 'Montréal', 'Wellington', 'Osaka', 'Lagos', 'Austin'];
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua it\'s the "best" café naïve résumé'.split(' ');
const RESOURCES = ['users', 'repos', 'items', 'orders', 'invoices', 'projects', 'events', 'comments'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n) => String(n).padStart(2, '0');

/** `Mon, 23 Nov 2026 20:58:14 GMT` */
export function httpDate(ms) {
  const d = new Date(ms);
  return `${DAYS[(d.getUTCDay() + 6) % 7]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

/** `2026-11-23 20:58:14 GMT`, vcr's recorded_at. */
export function vcrDate(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

const sq = (text) => `'${text.replaceAll("'", "''")}'`;

function record(r, id) {
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  const words = Array.from({ length: r.int(4, 20) }, () => r.pick(WORDS)).join(' ');
  return {
    id,
    login: `${first.toLowerCase()}${id}`,
    name: `${first} ${last}`,
    email: `user${id}@example.org`,
    created_at: new Date(1.6e12 + r.int(0, 1e9) * 100).toISOString(),
    score: Math.round(r.random() * 10000) / 100,
    active: r.random() < 0.8,
    tags: Array.from({ length: r.int(0, 4) }, () => r.pick(WORDS)),
    address: { city: r.pick(CITIES), zip: String(r.int(10000, 99999)), geo: { lat: r.random() * 180 - 90, lng: r.random() * 360 - 180 } },
    bio: words,
    avatar_url: `https://avatars.example.org/u/${id}?v=${r.int(1, 9)}`,
    parent_id: r.random() < 0.3 ? null : r.int(1, 1e6),
  };
}

/** A JSON list page of about `bytes` bytes. */
function jsonPage(r, resource, page, bytes) {
  const items = [];
  let size = 0;
  let id = page * 1000 + r.int(0, 999);
  while (size < bytes) {
    const item = record(r, id++);
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return JSON.stringify({ [resource]: items, meta: { page, per_page: items.length, total: items.length * 40, next: `/v1/${resource}?page=${page + 1}` } });
}

/**
 * One cassette's interactions as data. `planted` adds extra pieces:
 *   { rawHeader?: secret, urlQuery?: secret(url-encoded), basicAuth?: base64, bodyEcho?: secret, token?: string }
 */
export function makeInteractions(r, targetBytes, { startMs, planted = {}, maxBodyBytes = 120_000 } = {}) {
  const interactions = [];
  const resource = r.pick(RESOURCES);
  let size = 0;
  let at = startMs;
  let page = 1;
  while (size < targetBytes || interactions.length === 0) {
    const first = interactions.length === 0;
    const kind = first ? 'json' : r.random() < 0.12 ? 'binary' : r.random() < 0.08 ? 'post' : 'json';
    const left = Math.max(800, targetBytes - size);
    const bodyBytes = Math.min(left, maxBodyBytes, r.logUniform(400, maxBodyBytes));
    const it = {
      method: kind === 'post' ? 'post' : 'get',
      uri: kind === 'binary' ? `https://api.example.com/v1/${resource}/${r.int(1, 9999)}/avatar.png` : `https://api.example.com/v1/${resource}?page=${page}&per_page=100`,
      requestBody: kind === 'post' ? JSON.stringify({ name: `${r.pick(FIRST)} ${r.pick(LAST)}`, note: r.pick(WORDS) }) : '',
      requestHeaders: [
        ['Accept', kind === 'binary' ? 'image/png' : 'application/json, text/xml, application/xml, */*'],
        ['User-Agent', 'libcurl/8.5.0 r-curl/5.2.0 httr/1.4.7'],
        ['X-Api-Key', '<<<API_KEY>>>'],
      ],
      status: kind === 'post' ? 201 : 200,
      contentType: kind === 'binary' ? 'image/png' : 'application/json; charset=utf-8',
      responseBody: undefined,
      base64: undefined,
      requestId: r.hex(32),
      etag: r.hex(20),
      ratelimit: r.int(0, 4999),
      atMs: at,
    };
    if (kind === 'binary') it.base64 = r.bytes(Math.round(bodyBytes * 0.74)).toString('base64');
    else if (kind === 'post') it.responseBody = JSON.stringify(record(r, r.int(1, 1e6)));
    else it.responseBody = jsonPage(r, resource, page++, bodyBytes);
    interactions.push(it);
    size += 900 + (it.base64?.length ?? it.responseBody.length);
    at += r.int(50, 900);
  }
  const first = interactions[0];
  if (planted.rawHeader) first.requestHeaders.push(['X-Debug-Key', planted.rawHeader]);
  if (planted.urlQuery) first.uri += `&api_key=${planted.urlQuery}`;
  if (planted.basicAuth) first.requestHeaders.push(['Authorization', `Basic ${planted.basicAuth}`]);
  if (planted.bodyEcho) first.responseBody = `{"echo":{"key":"${planted.bodyEcho}"},${first.responseBody.slice(1)}`;
  if (planted.token) first.responseBody = `{"deploy_token":"${planted.token}",${first.responseBody.slice(1)}`;
  return interactions;
}

/**
 * The re-recorded twin: every interaction a little later, with a new request id; when `addField`,
 * the first JSON response gains a top-level field (real drift).
 */
export function reRecord(r, interactions, { addField = false, laterMs = 86_400_000 } = {}) {
  let added = !addField;
  return interactions.map((it) => {
    const next = { ...it, requestId: r.hex(32), atMs: it.atMs + laterMs };
    if (!added && next.responseBody?.startsWith('{')) {
      next.responseBody = `{"api_version":"2024-06-01",${next.responseBody.slice(1)}`;
      added = true;
    }
    return next;
  });
}

/** R vcr 1.x YAML, as yaml::write_yaml writes it. */
export function toVcrYaml(interactions, { status500 = false } = {}) {
  const out = ['http_interactions:'];
  for (const it of interactions) {
    const length = Buffer.byteLength(it.base64 ? Buffer.from(it.base64, 'base64') : it.responseBody ?? '');
    const status = status500 ? 500 : it.status;
    out.push(
      '- request:',
      `    method: ${it.method}`,
      `    uri: ${it.uri}`,
      '    body:',
      "      encoding: ''",
      `      string: ${sq(it.requestBody)}`,
      '    headers:',
      ...it.requestHeaders.map(([name, value]) => `      ${name}: ${value}`),
      '  response:',
      '    status:',
      `      status_code: ${status}`,
      `      category: ${status >= 500 ? 'Server error' : 'Success'}`,
      `      reason: ${status === 500 ? 'Internal Server Error' : status === 201 ? 'Created' : 'OK'}`,
      `      message: ${sq(status === 500 ? 'Server error: (500) Internal Server Error' : status === 201 ? 'Success: (201) Created' : 'Success: (200) OK')}`,
      '    headers:',
      `      content-type: ${it.contentType}`,
      `      content-length: '${length}'`,
      `      date: ${httpDate(it.atMs)}`,
      `      x-request-id: ${it.requestId}`,
      `      etag: ${sq(`W/"${it.etag}"`)}`,
      '      cache-control: max-age=0, private, must-revalidate',
      `      x-ratelimit-remaining: '${it.ratelimit}'`,
      '      vary: Accept-Encoding, Accept',
      '      server: nginx/1.25.3',
      '    body:',
      "      encoding: ''",
      '      file: no',
      it.base64 !== undefined ? `      base64_string: ${it.base64}` : `      string: ${sq(it.responseBody)}`,
      `  recorded_at: ${vcrDate(it.atMs)}`,
      '  recorded_with: vcr/1.2.0, webmockr/0.8.2',
    );
  }
  out.push('');
  return out.join('\n');
}
