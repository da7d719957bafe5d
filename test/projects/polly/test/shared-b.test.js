'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

// The 'status' recording is shared with shared-a.test.js. This file insists on replay itself;
// a re-recording must still record it.
test('status carries a generation', () =>
  withRecording('status', async (polly) => {
    polly.replay();
    const { status, body } = await getJson('/status');
    assert.equal(status, 200);
    assert.equal(typeof body.generation, 'string');
  }));
