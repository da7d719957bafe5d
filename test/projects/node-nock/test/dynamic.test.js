'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');

// Fixture names are only known at run time: dyn-1.json, dyn-3.json.
for (const id of [1, 3]) {
  test(`reads item ${id}`, () =>
    withFixture(`dyn-${id}.json`, async () => {
      const { status, body } = await getJson(`/items/${id}`);
      assert.equal(status, 200);
      assert.equal(body.item.id, id);
    }));
}
