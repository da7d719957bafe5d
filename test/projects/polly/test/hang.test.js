'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

// The recording is healthy; the live API never answers /hang, so re-recording this file hangs
// until the orchestrator's timeout kills it.
test('hang endpoint answers', () =>
  withRecording('hang', async () => {
    const { status, body } = await getJson('/hang');
    assert.equal(status, 200);
    assert.equal(body.ok, true);
  }));
