// Shared by the tests (not a test file itself): nock back's fixtures folder is set here, beside
// this file, which is where nock back writes and reads them.
//
// Fixtures are stored against a fixed origin (FIXTURE_ORIGIN) and replayed against whatever
// STANDIN_API_URL is, so replay needs no server and the recorded port does not matter.
'use strict';

const path = require('node:path');
const nock = require('nock');

const nockBack = nock.back;
nockBack.fixtures = path.join(__dirname, 'nockFixtures');
nockBack.setMode(process.env.NOCK_BACK_MODE || 'lockdown');

const FIXTURE_ORIGIN = 'http://api.test';
const baseUrl = (process.env.STANDIN_API_URL || FIXTURE_ORIGIN).replace(/\/+$/, '');
const origin = new URL(baseUrl).origin;
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

const backOptions = {
  // Request headers (X-Api-Key) are not recorded.
  recorder: { enable_reqheaders_recording: false },
  before(def) {
    if (def.scope === FIXTURE_ORIGIN) def.scope = origin;
  },
  afterRecord(defs) {
    return defs.map((def) => ({
      ...def,
      scope: def.scope === origin ? FIXTURE_ORIGIN : def.scope,
      rawHeaders: Object.fromEntries(Object.entries(def.rawHeaders || {}).filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase()))),
    }));
  },
};

async function getJson(pathname) {
  const response = await fetch(baseUrl + pathname, {
    headers: { 'X-Api-Key': process.env.STANDIN_API_KEY || '', accept: 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

module.exports = { nockBack, backOptions, getJson };
