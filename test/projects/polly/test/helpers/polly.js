// Shared by the tests (not a test file itself): talks to the API through Polly.js.
//
// Ports and keys: the API under recording listens on 127.0.0.1:<random port> and wants an
// X-Api-Key header, while replay must work with no server and no key. Polly matches requests on
// method, url (protocol, host, port, path, query), headers and body by default, so matching here
// leaves out headers (the key, and whatever fetch adds) and the url's protocol, host and port:
// a recording replays for any STANDIN_API_URL, or none. Before a recording is saved,
// `beforePersist` drops the key from the stored request and rewrites the origin to
// RECORDING_ORIGIN, so recordings neither leak the key nor change with the port.
'use strict';

const path = require('node:path');
const { Polly } = require('@pollyjs/core');
const FetchAdapter = require('@pollyjs/adapter-fetch');
const FSPersister = require('@pollyjs/persister-fs');

// Node 20's global fetch is only seen by the fetch adapter (not by node-http).
Polly.register(FetchAdapter);
Polly.register(FSPersister);

const RECORDING_ORIGIN = 'http://api.test';
const baseUrl = (process.env.STANDIN_API_URL || RECORDING_ORIGIN).replace(/\/+$/, '');
const SECRET_HEADERS = new Set(['x-api-key']);

/** Options for `new Polly(name, pollyOptions)`. Replay only by default; POLLY_MODE=record records. */
const pollyOptions = {
  mode: process.env.POLLY_MODE || 'replay',
  recordIfMissing: false,
  adapters: ['fetch'],
  persister: 'fs',
  persisterOptions: {
    fs: { recordingsDir: path.join(__dirname, '..', '__recordings__') },
  },
  matchRequestsBy: {
    headers: false,
    url: { protocol: false, hostname: false, port: false },
  },
};

/** Scrubs what a recording must not keep; call once per Polly instance. */
function scrub(polly) {
  polly.server.any().on('beforePersist', (_req, entry) => {
    entry.request.headers = entry.request.headers.filter((header) => !SECRET_HEADERS.has(header.name.toLowerCase()));
    // Polly counted the dropped header in headersSize (so it would tell the key's length); HAR says -1 = unknown.
    entry.request.headersSize = -1;
    const url = new URL(entry.request.url);
    entry.request.url = RECORDING_ORIGIN + url.pathname + url.search;
  });
  return polly;
}

/** Runs fn with the recording replayed (or being recorded); saves it even if fn throws. */
async function withRecording(name, fn) {
  const polly = scrub(new Polly(name, pollyOptions));
  try {
    return await fn(polly);
  } finally {
    await polly.stop();
  }
}

/** GET a path of the API; resolves to { status, body }. */
async function getJson(pathname) {
  const response = await fetch(baseUrl + pathname, {
    headers: { 'X-Api-Key': process.env.STANDIN_API_KEY || '', accept: 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

module.exports = { Polly, pollyOptions, scrub, withRecording, getJson };
