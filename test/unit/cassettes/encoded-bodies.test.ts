// Bodies stored encoded or compressed are opened for the leak scan: whatever the format keeps them
// as (a YAML block of base64, one base64 string, hex), the key inside is found and placed.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodedPayloads } from '../../../src/cassettes/encoded-bodies.js';
import { findEncodedLeaks } from '../../../src/cassettes/leaks.js';

const KEY = 'sk-test-4f9a2c7e1b';
const SECRETS = [{ name: 'api-key', value: KEY }];
const body = JSON.stringify({ headers: { 'x-api-key': KEY }, padding: 'lorem ipsum '.repeat(8) });

describe('findEncodedLeaks', () => {
  it('finds the key in gzip bytes kept as a vcrpy !!binary block, on the line the block starts', () => {
    const block = gzipSync(body).toString('base64').match(/.{1,60}/g)!.join('\n        ');
    const yaml = `interactions:\n- response:\n    body:\n      string: !!binary |\n        ${block}\n`;
    expect(findEncodedLeaks(yaml, SECRETS)).toEqual([{ secret: 'api-key', line: 5, how: 'gzip in base64' }]);
  });

  it('ends a block at the YAML key after it (a vcrpy recording the leak scan once missed: "headers" was read as more base64)', () => {
    const block = 'H4sIAAAAAAAAAy3OQQrDIBRF0b28sVqNhVJX0S1Y81Fb+QY10DRk7yXQ8R2cuyMSU/MjV4ZDnCCQ\n        yM/UOtyOVPuAg5luSiutjLtqqy0E1k5N+kh85sc2UmW5tlLy82KVMRD4SL9k+aYNDq+6NvZFWrp7\n        2Sk0GhDwIdAyJHGoc+Z48t+8QCBUZgr/pVBqJxzHD5Iem4eqAAAA';
    const yaml = `  response:\n    body:\n      string: !!binary |\n        ${block}\n    headers:\n      content-encoding:\n      - gzip\n`;
    expect(findEncodedLeaks(yaml, [{ name: 'api-key', value: 'journal-3e9a-secret' }])).toEqual([{ secret: 'api-key', line: 4, how: 'gzip in base64' }]);
  });

  it('finds it in a Ruby VCR base64_string, a vcr 2 raw_gzip string, nock hex and a deflate body', () => {
    const ruby = `      base64_string: |\n        ${gzipSync(body).toString('base64').match(/.{1,60}/g)!.join('\n        ')}\n`;
    expect(findEncodedLeaks(ruby, SECRETS).map((leak) => leak.how)).toEqual(['gzip in base64']);
    expect(findEncodedLeaks(`raw_gzip: ${gzipSync(body).toString('base64')}\n`, SECRETS).map((leak) => leak.how)).toEqual(['gzip in base64']);
    expect(findEncodedLeaks(JSON.stringify([{ response: [gzipSync(body).toString('hex')] }]), SECRETS).map((leak) => leak.how)).toEqual(['gzip in hex']);
    expect(findEncodedLeaks(`"text": "${deflateSync(body).toString('base64')}"`, SECRETS).map((leak) => leak.how)).toEqual(['deflate in base64']);
  });

  it('opens brotli only where the recording says content-encoding br', () => {
    const brotli = brotliCompressSync(body).toString('base64');
    expect(findEncodedLeaks(`content-encoding: br\nbody: ${brotli}\n`, SECRETS).map((leak) => leak.how)).toEqual(['br in base64']);
  });

  it('finds a key in gzip inside base64 inside gzip (two levels), and nothing in a clean body', () => {
    const inner = gzipSync(body).toString('base64');
    const outer = gzipSync(JSON.stringify({ wrapped: inner })).toString('base64');
    expect(findEncodedLeaks(outer, SECRETS).map((leak) => leak.how)).toEqual(['gzip in base64 in gzip in base64']);
    expect(findEncodedLeaks(gzipSync(JSON.stringify({ clean: true, padding: 'x'.repeat(80) })).toString('base64'), SECRETS)).toEqual([]);
  });
});

describe('decodedPayloads', () => {
  it('leaves identifiers, paths and hashes alone', () => {
    const text = 'uri: https://api.example.com/repos/octocat/hello-world/issues/1347\nsha: 3f786850e387550fdab836ed7e6dc881de23001b4a\nid: abcdefghijklmnopqrstuvwxyz012345\n';
    expect(decodedPayloads(text)).toEqual([]);
  });
});
