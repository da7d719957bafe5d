// Loaded by .mocharc.json before any test: registers Polly's adapter and persister, and holds the
// configuration every setup shares. It sets nothing up by itself.
//
// Recordings replay for any STANDIN_API_URL (or none): matching leaves out headers and the url's
// protocol, host and port, and `scrub` drops the key and rewrites the origin before a recording
// is saved.
'use strict';

const path = require('node:path');
const { Polly } = require('@pollyjs/core');
const FetchAdapter = require('@pollyjs/adapter-fetch');
const FSPersister = require('@pollyjs/persister-fs');

Polly.register(FetchAdapter);
Polly.register(FSPersister);

const RECORDING_ORIGIN = 'http://api.test';
const baseUrl = (process.env.STANDIN_API_URL || RECORDING_ORIGIN).replace(/\/+$/, '');

const config = {
  mode: process.env.POLLY_MODE || 'replay',
  recordIfMissing: false,
  adapters: ['fetch'],
  persister: 'fs',
  persisterOptions: {
    fs: { recordingsDir: path.join(__dirname, '..', 'recordings') },
  },
  matchRequestsBy: {
    headers: false,
    url: { protocol: false, hostname: false, port: false },
  },
};

function scrub(polly) {
  polly.server.any().on('beforePersist', (_req, entry) => {
    entry.request.headers = entry.request.headers.filter((header) => header.name.toLowerCase() !== 'x-api-key');
    entry.request.headersSize = -1;
    const url = new URL(entry.request.url);
    entry.request.url = RECORDING_ORIGIN + url.pathname + url.search;
  });
}

async function getJson(pathname) {
  const response = await fetch(baseUrl + pathname, {
    headers: { 'X-Api-Key': process.env.STANDIN_API_KEY || '', accept: 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

module.exports = { config, scrub, getJson };
