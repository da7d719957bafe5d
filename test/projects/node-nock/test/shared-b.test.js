'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const nock = require('nock');
const { withFixture, getJson } = require('./helpers/api');

// This file insists on replay-only mode itself; a re-recording must still record it.
nock.back.setMode('lockdown');

// status.json is shared with shared-a.test.js.
test('status carries a generation', () =>
  withFixture('status.json', async () => {
    const { status, body } = await getJson('/status');
    assert.equal(status, 200);
    assert.equal(typeof body.generation, 'string');
  }));
