'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

test('lists the items', () =>
  withRecording('items', async () => {
    const { status, body } = await getJson('/items');
    assert.equal(status, 200);
    assert.equal(typeof body.generation, 'string');
    assert.deepEqual(body.items.map((item) => item.name), ['alpha', 'beta', 'gamma']);
  }));

test('reads item two', () =>
  withRecording('item two', async () => {
    const { status, body } = await getJson('/items/2');
    assert.equal(status, 200);
    assert.equal(body.item.name, 'beta');
  }));
