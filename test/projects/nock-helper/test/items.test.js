'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { nockBack, backOptions, getJson } = require('./support/nock-setup');

test('lists the items', async () => {
  const { nockDone } = await nockBack('items.json', backOptions);
  try {
    const { status, body } = await getJson('/items');
    assert.equal(status, 200);
    assert.equal(body.items.length, 3);
  } finally {
    nockDone();
  }
});

test('reads item three', async () => {
  const { nockDone } = await nockBack('items/three.json', backOptions);
  try {
    const { status, body } = await getJson('/items/3');
    assert.equal(status, 200);
    assert.equal(body.item.name, 'gamma');
  } finally {
    nockDone();
  }
});
