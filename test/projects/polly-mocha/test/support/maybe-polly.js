// Sets Polly up for every test of the run as it loads, unless POLLY_OFF is set: which tests that
// covers is only known at run time (rerecord reports it unresolved, with this file and line).
'use strict';

const { setupMocha: setup } = require('@pollyjs/core');
const { config, scrub } = require('./polly-config');

if (!process.env.POLLY_OFF) {
  setup(config);
  beforeEach(function () {
    scrub(this.polly);
  });
}
