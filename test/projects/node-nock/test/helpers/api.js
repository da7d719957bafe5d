// Shared by the tests (not a test file itself): talks to the API and sets up nock back.
//
// Ports: the API under recording listens on 127.0.0.1:<random port>, and nock stores the
// host:port of every call in a fixture's `scope`. So fixtures are stored against a fixed origin,
// FIXTURE_ORIGIN: `afterRecord` rewrites the real origin to it, and `before` rewrites it back to
// whatever STANDIN_API_URL is when a fixture is replayed. Replay therefore needs no server and
// works with any STANDIN_API_URL, or none (requests then go to FIXTURE_ORIGIN, which only nock
// answers).
'use strict';

const path = require('node:path');
const nock = require('nock');

const FIXTURE_ORIGIN = 'http://api.test';
const baseUrl = (process.env.STANDIN_API_URL || FIXTURE_ORIGIN).replace(/\/+$/, '');
const origin = new URL(baseUrl).origin;

nock.back.fixtures = path.join(__dirname, '..', 'fixtures');
// Replay by default, never touching the network. NOCK_BACK_MODE=record records missing fixtures.
nock.back.setMode(process.env.NOCK_BACK_MODE || 'lockdown');

// Response headers that change on every call and would only make fixture diffs noisy.
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

/** Options for nock.back(name, backOptions). */
const backOptions = {
  // Request headers are NOT recorded (the X-Api-Key would land in the fixture); explicit on purpose.
  recorder: { enable_reqheaders_recording: false },
  before(def) {
    if (def.scope === FIXTURE_ORIGIN) def.scope = origin;
  },
  afterRecord(defs) {
    return defs.map((def) => ({
      ...def,
      scope: def.scope === origin ? FIXTURE_ORIGIN : def.scope,
      rawHeaders: stripVolatile(def.rawHeaders),
    }));
  },
};

// nock 14 records rawHeaders as an object; older versions as a flat [name, value, ...] array.
function stripVolatile(rawHeaders) {
  const keep = (name) => !VOLATILE_HEADERS.has(String(name).toLowerCase());
  if (Array.isArray(rawHeaders)) {
    const kept = [];
    for (let i = 0; i < rawHeaders.length; i += 2) if (keep(rawHeaders[i])) kept.push(rawHeaders[i], rawHeaders[i + 1]);
    return kept;
  }
  if (rawHeaders && typeof rawHeaders === 'object') {
    return Object.fromEntries(Object.entries(rawHeaders).filter(([name]) => keep(name)));
  }
  return rawHeaders;
}

/** Runs fn with the fixture loaded (or being recorded); saves the recording even if fn throws. */
async function withFixture(name, fn) {
  const { nockDone } = await nock.back(name, backOptions);
  try {
    return await fn();
  } finally {
    nockDone();
  }
}

/** GET a path of the API; resolves to { status, body }. */
async function getJson(pathname) {
  const response = await fetch(baseUrl + pathname, {
    headers: { 'X-Api-Key': process.env.STANDIN_API_KEY || '', accept: 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

module.exports = { FIXTURE_ORIGIN, backOptions, withFixture, getJson };
