// A stand-in for GitHub's artifact backend, so the REAL @actions/artifact client uploads and
// downloads over loopback in tests. One server on 127.0.0.1 plays three parts:
//
//   results service  POST /twirp/github.actions.results.api.v1.ArtifactService/{CreateArtifact,
//                    FinalizeArtifact, ListArtifacts, GetSignedArtifactURL, DeleteArtifact}
//                    (twirp JSON, proto field names, int64 as strings; errors as {code, msg})
//   blob storage     Azure Blob REST at /devstoreaccount1/actions-results/<key>.zip?...&sig=...:
//                    PUT ?comp=block&blockid=, PUT ?comp=blocklist (XML), single PUT
//                    (x-ms-blob-type: BlockBlob), GET
//   REST API         GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts[?name=&per_page=&page=]
//                    GET /repos/{owner}/{repo}/actions/artifacts/{id}/zip  -> 302 to the blob
//                    (what the client calls with `findBy`, i.e. GITHUB_API_URL)
//
// Every mistake is answered with a 4xx and a body the caller parses (JSON for twirp and REST,
// XML for blob storage): the client retries 5xx and unparseable bodies with backoffs of several
// seconds, which would turn a wrong request into a slow test instead of a clear failure.
// Plain JavaScript with no dependencies beyond Node, like the other stand-ins.
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';
const ACCOUNT = 'devstoreaccount1';
const CONTAINER = 'actions-results';
/** Characters the client (and the service) reject in artifact names. */
const FORBIDDEN_NAME = /[":<>|*?\r\n\\/]/;
const TWIRP_STATUS = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
};

/**
 * @typedef {object} StandinResultsOptions
 * @property {string} [runBackendId]  workflow run backend id (a uuid by default)
 * @property {string} [jobBackendId]  workflow job run backend id of the default token (a uuid by default)
 * @property {number} [runId]         the numeric run id the REST API knows the current run by (default 4242)
 * @property {string} [repository]    owner/name the REST endpoints answer for (default octo-org/rerecord-fixture)
 * @property {string} [githubToken]   the token the REST endpoints demand (default ghs_standin_token)
 * @property {number} [port]          0 (default) picks a free port
 *
 * @typedef {object} StoredArtifact
 * @property {number} id
 * @property {number} runId
 * @property {string} runBackendId
 * @property {string} jobBackendId
 * @property {string} name
 * @property {string} key              blob path segment
 * @property {string} uploadSig
 * @property {string} downloadSig
 * @property {string} mimeType
 * @property {string} contentType      what the uploader set as x-ms-blob-content-type
 * @property {Date} createdAt
 * @property {Date | undefined} expiresAt
 * @property {boolean} expired
 * @property {boolean} finalized
 * @property {boolean} deleted
 * @property {Map<string, Buffer>} blocks   staged, uncommitted blocks by block id
 * @property {Buffer | undefined} blob      committed bytes
 * @property {string | undefined} digest   sha256:<hex>
 *
 * @typedef {object} SeedArtifact
 * @property {string} name
 * @property {Record<string, string | Uint8Array>} files  relative path -> content
 * @property {boolean} [expired]  listed by the REST API, but its download answers 410 Gone
 */

/** An unsigned JWT (alg none) whose `scp` claim carries the run and job backend ids, as the runner's does. */
export function runtimeTokenFor(runBackendId, jobBackendId) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const scp = `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.UploadArtifacts:${runBackendId}:${jobBackendId} Actions.Results:${runBackendId}:${jobBackendId}`;
  return `${part({ typ: 'JWT', alg: 'none' })}.${part({ scp, iat: now, nbf: now, exp: now + 6 * 3600, iss: 'standin-results' })}.`;
}

/** @param {StandinResultsOptions} [options] */
export async function startStandinResults(options = {}) {
  const runBackendId = options.runBackendId ?? crypto.randomUUID();
  const jobBackendId = options.jobBackendId ?? crypto.randomUUID();
  const runId = options.runId ?? 4242;
  const repository = options.repository ?? 'octo-org/rerecord-fixture';
  const githubToken = options.githubToken ?? 'ghs_standin_token';
  /** @type {StoredArtifact[]} */
  const store = [];
  /** REST run id -> run backend id */
  const runs = new Map([[runId, runBackendId]]);
  /** Every request as `METHOD path [comp]`, for assertions on what the client sent. */
  const requests = /** @type {string[]} */ ([]);
  let nextId = 1001;
  let base = '';

  const blobUrl = (artifact, sig, permissions) =>
    `${base}/${ACCOUNT}/${CONTAINER}/${artifact.key}.zip?sv=2025-01-05&sr=b&sp=${permissions}&se=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}&sig=${encodeURIComponent(sig)}`;

  /** @returns {StoredArtifact} */
  function newArtifact(fields) {
    return {
      id: nextId++,
      key: crypto.randomBytes(12).toString('hex'),
      uploadSig: crypto.randomBytes(16).toString('base64'),
      downloadSig: crypto.randomBytes(16).toString('base64'),
      mimeType: 'application/zip',
      contentType: 'application/zip',
      createdAt: new Date(),
      expiresAt: undefined,
      expired: false,
      finalized: false,
      deleted: false,
      blocks: new Map(),
      blob: undefined,
      digest: undefined,
      ...fields,
    };
  }

  // ---------------------------------------------------------------- twirp

  const twirp = {
    CreateArtifact(body, caller) {
      const ids = ownIds(body, caller, true);
      if (ids) return ids;
      const name = String(body.name ?? '');
      if (!name || FORBIDDEN_NAME.test(name)) return twirpError('invalid_argument', `invalid artifact name: ${JSON.stringify(name)}`);
      if (!(Number(body.version) >= 4)) return twirpError('invalid_argument', `unsupported artifact version ${body.version}`);
      if (live(caller.run).some((a) => a.name === name)) {
        return twirpError('already_exists', `an artifact with this name already exists on the workflow run: ${name}`);
      }
      const expiresAt = body.expires_at ? new Date(body.expires_at) : undefined;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) return twirpError('invalid_argument', 'expires_at is not a timestamp');
      const artifact = newArtifact({
        runId: runIdOf(caller.run),
        runBackendId: caller.run,
        jobBackendId: caller.job,
        name,
        mimeType: typeof body.mime_type === 'string' ? body.mime_type : 'application/zip',
        expiresAt,
      });
      store.push(artifact);
      return [200, { ok: true, signed_upload_url: blobUrl(artifact, artifact.uploadSig, 'cw') }];
    },
    FinalizeArtifact(body, caller) {
      const ids = ownIds(body, caller, true);
      if (ids) return ids;
      const artifact = store.find((a) => a.runBackendId === caller.run && a.name === body.name && !a.deleted && !a.finalized);
      if (!artifact) return twirpError('not_found', `no artifact being uploaded under the name ${JSON.stringify(body.name)}`);
      if (artifact.jobBackendId !== caller.job) return twirpError('permission_denied', 'the artifact was created by another job');
      if (!artifact.blob) return twirpError('failed_precondition', 'the blob was never committed (no Put Block List / Put Blob)');
      if (String(body.size) !== String(artifact.blob.length)) {
        return twirpError('invalid_argument', `size ${body.size} does not match the ${artifact.blob.length} bytes uploaded`);
      }
      const digest = `sha256:${sha256(artifact.blob)}`;
      if (body.hash !== undefined && body.hash !== digest) return twirpError('invalid_argument', `hash ${body.hash} does not match ${digest}`);
      artifact.finalized = true;
      artifact.digest = digest;
      return [200, { ok: true, artifact_id: String(artifact.id) }];
    },
    ListArtifacts(body, caller) {
      const ids = ownIds(body, caller, false);
      if (ids) return ids;
      const artifacts = live(caller.run)
        .filter((a) => a.finalized && !a.expired)
        .filter((a) => body.name_filter === undefined || a.name === body.name_filter)
        .filter((a) => body.id_filter === undefined || String(a.id) === String(body.id_filter))
        .map((a) => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.blob?.length ?? 0),
          created_at: a.createdAt.toISOString(),
          ...(a.digest ? { digest: a.digest } : {}),
        }));
      return [200, { artifacts }];
    },
    GetSignedArtifactURL(body, caller) {
      const ids = ownIds(body, caller, false);
      if (ids) return ids;
      const artifact = live(caller.run).find((a) => a.finalized && !a.expired && a.name === body.name);
      if (!artifact) return twirpError('not_found', `artifact not found: ${body.name}`);
      return [200, { signed_url: blobUrl(artifact, artifact.downloadSig, 'r') }];
    },
    DeleteArtifact(body, caller) {
      const ids = ownIds(body, caller, false);
      if (ids) return ids;
      const artifact = live(caller.run).find((a) => a.finalized && a.name === body.name);
      if (!artifact) return twirpError('not_found', `artifact not found: ${body.name}`);
      artifact.deleted = true;
      return [200, { ok: true, artifact_id: String(artifact.id) }];
    },
  };

  /** The request must name the caller's own run (and, when `job`, its own job), as the token says. */
  function ownIds(body, caller, job) {
    if (body.workflow_run_backend_id !== caller.run) return twirpError('permission_denied', 'workflow_run_backend_id does not match the token');
    if (job && body.workflow_job_run_backend_id !== caller.job) {
      return twirpError('permission_denied', 'workflow_job_run_backend_id does not match the token');
    }
    return undefined;
  }

  const live = (run) => store.filter((a) => a.runBackendId === run && !a.deleted);
  const runIdOf = (run) => [...runs].find(([, backend]) => backend === run)?.[0] ?? 0;

  async function handleTwirp(req, res, method) {
    if (req.method !== 'POST') return sendJson(res, ...twirpError('bad_route', `${req.method} is not POST`));
    const handler = Object.hasOwn(twirp, method) ? twirp[method] : undefined;
    if (!handler) return sendJson(res, ...twirpError('bad_route', `no method ${method}`));
    const caller = callerOf(req.headers.authorization);
    if (!caller) return sendJson(res, ...twirpError('unauthenticated', 'missing or malformed bearer token'));
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(res, ...twirpError('bad_route', 'this stand-in only speaks twirp JSON'));
    }
    let body;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      return sendJson(res, ...twirpError('malformed', 'the body is not JSON'));
    }
    return sendJson(res, ...handler(body, caller));
  }

  // ---------------------------------------------------------------- blob storage

  async function handleBlob(req, res, url, key) {
    const artifact = store.find((a) => a.key === key);
    const version = String(req.headers['x-ms-version'] ?? '2025-01-05');
    if (!artifact) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.', version);
    const sig = url.searchParams.get('sig');
    const comp = url.searchParams.get('comp');
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (sig !== artifact.downloadSig) return blobError(res, 403, 'AuthenticationFailed', 'Signature did not match (download).', version);
      if (!artifact.blob || !artifact.finalized) return blobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.', version);
      res.writeHead(200, {
        ...blobHeaders(version, artifact),
        'content-type': artifact.contentType,
        'content-length': artifact.blob.length,
        'content-md5': md5(artifact.blob),
        'x-ms-blob-type': 'BlockBlob',
        'accept-ranges': 'bytes',
      });
      return res.end(req.method === 'HEAD' ? undefined : artifact.blob);
    }
    if (req.method !== 'PUT') return blobError(res, 405, 'UnsupportedHttpVerb', `${req.method} is not supported here.`, version);
    const body = await readBody(req);
    if (sig !== artifact.uploadSig) return blobError(res, 403, 'AuthenticationFailed', 'Signature did not match (upload).', version);
    if (artifact.finalized) return blobError(res, 409, 'BlobImmutable', 'The artifact is finalized.', version);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) !== body.length) {
      return blobError(res, 400, 'InvalidHeaderValue', `content-length ${declared} but ${body.length} bytes arrived`, version);
    }
    if (comp === 'block') {
      const blockId = url.searchParams.get('blockid');
      if (!blockId) return blobError(res, 400, 'InvalidQueryParameterValue', 'blockid is missing.', version);
      artifact.blocks.set(blockId, body);
      res.writeHead(201, { ...blobHeaders(version), 'content-md5': md5(body), 'content-length': 0 });
      return res.end();
    }
    if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)].map((m) => xmlText(m[2]));
      const missing = ids.filter((id) => !artifact.blocks.has(id));
      if (missing.length > 0) return blobError(res, 400, 'InvalidBlockList', `unknown block ids: ${missing.join(', ')}`, version);
      artifact.blob = Buffer.concat(ids.map((id) => /** @type {Buffer} */ (artifact.blocks.get(id))));
      artifact.blocks.clear();
      artifact.contentType = String(req.headers['x-ms-blob-content-type'] ?? 'application/octet-stream');
      res.writeHead(201, { ...blobHeaders(version, artifact), 'x-ms-content-crc64': 'AAAAAAAAAAA=', 'content-length': 0 });
      return res.end();
    }
    if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      artifact.blob = body;
      artifact.contentType = String(req.headers['x-ms-blob-content-type'] ?? req.headers['content-type'] ?? 'application/octet-stream');
      res.writeHead(201, { ...blobHeaders(version, artifact), 'content-md5': md5(body), 'content-length': 0 });
      return res.end();
    }
    return blobError(res, 400, 'UnsupportedQueryParameter', `this stand-in does not implement comp=${comp}`, version);
  }

  // ---------------------------------------------------------------- REST API (findBy)

  function handleRest(req, res, url) {
    if (req.method !== 'GET') return sendJson(res, 404, { message: 'Not Found' });
    const auth = String(req.headers.authorization ?? '');
    if (auth !== `token ${githubToken}` && auth !== `Bearer ${githubToken}`) {
      return sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const list = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/artifacts$/.exec(url.pathname);
    const download = /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts\/(\d+)\/([^/]+)$/.exec(url.pathname);
    const match = list ?? download;
    if (!match || `${decodeURIComponent(match[1])}/${decodeURIComponent(match[2])}`.toLowerCase() !== repository.toLowerCase()) {
      return sendJson(res, 404, { message: 'Not Found' });
    }
    if (list) {
      const backend = runs.get(Number(list[3]));
      if (!backend) return sendJson(res, 404, { message: 'Not Found' });
      const name = url.searchParams.get('name');
      const all = live(backend).filter((a) => a.finalized && (name === null || a.name === name));
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100);
      const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
      const artifacts = all.slice((page - 1) * perPage, page * perPage).map(restArtifact);
      return sendJson(res, 200, { total_count: all.length, artifacts });
    }
    const artifact = store.find((a) => a.id === Number(download?.[3]) && a.finalized && !a.deleted);
    if (!artifact || download?.[4] !== 'zip') return sendJson(res, 404, { message: 'Not Found' });
    if (artifact.expired) return sendJson(res, 410, { message: 'Artifact has expired' });
    res.writeHead(302, { location: blobUrl(artifact, artifact.downloadSig, 'r'), 'content-length': 0 });
    return res.end();
  }

  function restArtifact(a) {
    const apiBase = `${base}/repos/${repository}/actions/artifacts/${a.id}`;
    return {
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
      name: a.name,
      size_in_bytes: a.blob?.length ?? 0,
      url: apiBase,
      archive_download_url: `${apiBase}/zip`,
      expired: a.expired,
      digest: a.digest ?? null,
      created_at: a.createdAt.toISOString(),
      updated_at: a.createdAt.toISOString(),
      expires_at: (a.expiresAt ?? new Date(a.createdAt.getTime() + 90 * 86400_000)).toISOString(),
      workflow_run: { id: a.runId, repository_id: 1, head_repository_id: 1, head_branch: 'main', head_sha: '0'.repeat(40) },
    };
  }

  // ---------------------------------------------------------------- server

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const comp = url.searchParams.get('comp');
    requests.push(`${req.method} ${url.pathname}${comp ? ` comp=${comp}` : ''}`);
    const blob = new RegExp(`^/${ACCOUNT}/${CONTAINER}/([0-9a-f]+)\\.zip$`).exec(url.pathname);
    let handled;
    if (url.pathname.startsWith(SERVICE)) handled = handleTwirp(req, res, url.pathname.slice(SERVICE.length));
    else if (blob) handled = handleBlob(req, res, url, /** @type {string} */ (blob[1]));
    else if (url.pathname.startsWith('/repos/')) handled = handleRest(req, res, url);
    else handled = sendJson(res, 404, { code: 'bad_route', msg: `no route ${req.method} ${url.pathname}`, message: 'Not Found' });
    Promise.resolve(handled).catch((error) => {
      // A 400 rather than a 500: the clients retry 5xx for seconds; a bug here should fail fast.
      if (!res.headersSent) sendJson(res, 400, { code: 'malformed', msg: `stand-in failure: ${error?.stack ?? error}` });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => socket.unref());
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  base = `http://127.0.0.1:${address.port}`;

  const view = (a) => ({
    id: a.id,
    runId: a.runId,
    name: a.name,
    size: a.blob?.length ?? 0,
    digest: a.digest,
    jobBackendId: a.jobBackendId,
    mimeType: a.mimeType,
    contentType: a.contentType,
    expiresAt: a.expiresAt,
    /** The zip as stored. */
    zip: a.blob ?? Buffer.alloc(0),
    /** relative path -> bytes, read from the stored zip. */
    get files() {
      return a.blob ? readZip(a.blob) : {};
    },
    /** relative path -> compression method of its zip entry (0 stored, 8 deflated): what compression-level chose. */
    get methods() {
      return a.blob ? zipMethods(a.blob) : {};
    },
  });

  return {
    url: base,
    runBackendId,
    jobBackendId,
    runId,
    repository,
    githubToken,
    runtimeToken: runtimeTokenFor(runBackendId, jobBackendId),
    requests,
    /** Finalized artifacts of the current run, oldest first. */
    get artifacts() {
      return live(runBackendId).filter((a) => a.finalized).map(view);
    },
    /** A token for another job of the same run (e.g. one matrix shard, or the final publish job). */
    tokenForJob(job) {
      return runtimeTokenFor(runBackendId, job);
    },
    /**
     * What a JavaScript action's step sees. `GITHUB_API_URL` points here too, for `findBy`;
     * `GITHUB_SERVER_URL` stays github.com because the client refuses anything it takes for GHES.
     * @param {{ jobBackendId?: string }} [which]
     */
    env(which = {}) {
      return {
        ACTIONS_RUNTIME_TOKEN: runtimeTokenFor(runBackendId, which.jobBackendId ?? jobBackendId),
        ACTIONS_RESULTS_URL: `${base}/`,
        GITHUB_API_URL: base,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: repository,
        GITHUB_RUN_ID: String(runId),
      };
    },
    /**
     * Artifacts of ANOTHER run, reachable only through the REST API (`findBy`).
     * @param {number} otherRunId
     * @param {SeedArtifact[]} artifacts
     */
    seedRun(otherRunId, artifacts) {
      if (otherRunId === runId) throw new Error('seedRun is for other runs; upload to the current run with the client');
      let backend = runs.get(otherRunId);
      if (!backend) runs.set(otherRunId, (backend = crypto.randomUUID()));
      return artifacts.map((seed) => {
        if (live(backend).some((a) => a.name === seed.name)) throw new Error(`run ${otherRunId} already has an artifact ${seed.name}`);
        const blob = writeZip(seed.files);
        const artifact = newArtifact({
          runId: otherRunId,
          runBackendId: backend,
          jobBackendId: crypto.randomUUID(),
          name: seed.name,
          blob,
          digest: `sha256:${sha256(blob)}`,
          finalized: true,
          expired: seed.expired ?? false,
        });
        store.push(artifact);
        return view(artifact);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

// ---------------------------------------------------------------- helpers

/** @returns {{run: string, job: string} | undefined} the backend ids in a runtime token's Actions.Results scope */
function callerOf(authorization) {
  const token = /^Bearer (\S+)$/.exec(String(authorization ?? ''))?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const { scp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    for (const scope of String(scp ?? '').split(' ')) {
      const parts = scope.split(':');
      if (parts[0] === 'Actions.Results' && parts.length === 3) return { run: /** @type {string} */ (parts[1]), job: /** @type {string} */ (parts[2]) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function twirpError(code, msg) {
  return /** @type {[number, unknown]} */ ([TWIRP_STATUS[code] ?? 400, { code, msg }]);
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function blobHeaders(version, artifact) {
  return {
    'x-ms-request-id': crypto.randomUUID(),
    'x-ms-version': version,
    date: new Date().toUTCString(),
    'x-ms-request-server-encrypted': 'true',
    ...(artifact ? { etag: `"0x${crypto.createHash('md5').update(artifact.blob ?? '').digest('hex').slice(0, 15).toUpperCase()}"`, 'last-modified': new Date().toUTCString() } : {}),
  };
}

function blobError(res, status, code, message, version) {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { ...blobHeaders(version), 'x-ms-error-code': code, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

const escapeXml = (text) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const xmlText = (text) =>
  text.replace(/&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, (_, e) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e]);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes) => crypto.createHash('md5').update(bytes).digest('base64');

// ---------------------------------------------------------------- zip (no dependency, no zip64)

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = /** @type {number} */ (CRC_TABLE[(crc ^ byte) & 0xff]) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A zip of the given files, deflated, as an artifact would hold them.
 * @param {Record<string, string | Uint8Array>} files
 */
export function writeZip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const packed = zlib.deflateRawSync(data);
    const nameBytes = Buffer.from(name.replace(/\\/g, '/'), 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * Each file's compression method in a zip (0 stored, 8 deflated), by the central directory.
 * @param {Buffer} zip
 * @returns {Record<string, number>}
 */
export function zipMethods(zip) {
  /** @type {Record<string, number>} */
  const methods = {};
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip: no end of central directory');
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (!name.endsWith('/')) methods[name] = zip.readUInt16LE(at + 10);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return methods;
}

/**
 * The files in a zip (stored or deflated entries; directories left out), by the central directory,
 * so streamed zips with data descriptors (what archiver writes) read fine.
 * @param {Buffer} zip
 * @returns {Record<string, Buffer>}
 */
export function readZip(zip) {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  /** @type {Record<string, Buffer>} */
  const files = {};
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip: bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const packedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const packed = zip.subarray(dataAt, dataAt + packedSize);
    const data = method === 0 ? Buffer.from(packed) : method === 8 ? zlib.inflateRawSync(packed) : undefined;
    if (!data) throw new Error(`zip entry ${name} uses unsupported method ${method}`);
    if (crc32(data) !== crc) throw new Error(`zip entry ${name} fails its CRC`);
    files[name] = data;
  }
  return files;
}
