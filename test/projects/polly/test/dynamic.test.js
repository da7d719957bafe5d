'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

// Recording names are only known at run time: dyn-1, dyn-3.
for (const id of [1, 3]) {
  test(`reads item ${id}`, () =>
    withRecording(`dyn-${id}`, async () => {
      const { status, body } = await getJson(`/items/${id}`);
      assert.equal(status, 200);
      assert.equal(body.item.id, id);
    }));
}
