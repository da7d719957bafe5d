// A stand-in for the parts of GitHub's REST API that publishing and artifact look-ups use, good
// enough for the real @actions/github (octokit) client. Plain JavaScript so any helper can start it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { writeZip } from './standin-results.mjs';

/**
 * @typedef {object} StandinGithubOptions
 * @property {string} token      requests must carry `authorization: token <token>` or `Bearer <token>`
 * @property {string} [owner]    default owner for seeded data and for html_url (any owner is accepted)
 * @property {number} [port]     0 (default) picks a free port
 */

/**
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path      pathname without the query
 * @property {Record<string, string>} query
 * @property {unknown} body     parsed JSON, or undefined
 * @property {string | undefined} authorization
 */

const WEB = 'https://github.com';

/** @param {StandinGithubOptions} options */
export async function startStandinGithub(options) {
  const state = {
    /** @type {RecordedRequest[]} */
    requests: [],
    /** @type {any[]} */
    pulls: [],
    /** @type {any[]} */
    runs: [],
    /** @type {any[]} */
    artifacts: [],
    /** @type {Map<number, Buffer>} */
    blobs: new Map(),
    /** owner/name -> a bare repository the git data API reads and writes (see `serveRepository`). @type {Map<string, string>} */
    gitRepos: new Map(),
    /** Commits made through the git data API: sha -> whether GitHub signed them. @type {Map<string, { verified: boolean, reason: string }>} */
    signatures: new Map(),
    /** operation name -> [status, message]: answer that instead (see `refuse`). */
    refusals: /** @type {Map<string, [number, string]>} */ (new Map()),
    /** How many upcoming pull request listings answer empty, as a look-up racing another job would. */
    staleListings: 0,
    nextNumber: 1,
    nextId: 1000,
  };
  let baseUrl = '';

  /** @type {Array<[string, RegExp, string, (match: string[], req: RecordedRequest) => [number, unknown, Record<string, string>?]]>} */
  const routes = [
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, 'list-pulls', ([o, r], req) => [200, listPulls(o, r, req.query)]],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, 'create-pull', ([o, r], req) => createPull(o, r, /** @type {any} */ (req.body))],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, 'get-pull', ([o, r, n]) => withPull(o, r, n, (pull) => [200, pull])],
    ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, 'update-pull', ([o, r, n], req) => withPull(o, r, n, (pull) => updatePull(pull, /** @type {any} */ (req.body)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, 'add-comment', ([o, r, n], req) => withPull(o, r, n, (pull) => addComment(pull, /** @type {any} */ (req.body)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/assignees$/, 'add-assignees', ([o, r, n], req) => withPull(o, r, n, (pull) => addPeople(pull, 'assignees', /** @type {any} */ (req.body)?.assignees))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/requested_reviewers$/, 'request-reviewers', ([o, r, n], req) => withPull(o, r, n, (pull) => requestReviews(pull, /** @type {any} */ (req.body)))],
    ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/, 'update-issue', ([o, r, n], req) => withPull(o, r, n, (pull) => updateIssue(pull, /** @type {any} */ (req.body)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/blobs$/, 'create-blob', ([o, r], req) => withGit(o, r, (dir) => createBlob(dir, /** @type {any} */ (req.body)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/trees$/, 'create-tree', ([o, r], req) => withGit(o, r, (dir) => createTree(dir, /** @type {any} */ (req.body)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/commits$/, 'create-commit', ([o, r], req) => withGit(o, r, (dir) => createCommit(dir, /** @type {any} */ (req.body)))],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/git\/ref\/(.+)$/, 'get-ref', ([o, r, ref]) => withGit(o, r, (dir) => getRef(dir, decodeURIComponent(ref)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/refs$/, 'create-ref', ([o, r], req) => withGit(o, r, (dir) => createRef(dir, /** @type {any} */ (req.body)))],
    ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/git\/refs\/(.+)$/, 'update-ref', ([o, r, ref], req) => withGit(o, r, (dir) => updateRef(dir, decodeURIComponent(ref), /** @type {any} */ (req.body)))],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/, 'add-labels', ([o, r, n], req) => withPull(o, r, n, (pull) => addLabels(pull, /** @type {any} */ (req.body)))],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/runs$/, 'list-workflow-runs', ([o, r, w], req) => [200, listRuns(o, r, decodeURIComponent(w), req.query)]],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/artifacts$/, 'list-run-artifacts', ([o, r, id], req) => [200, listArtifacts(o, r, Number(id), req.query)]],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts\/(\d+)\/zip$/, 'download-artifact', ([o, r, id]) => downloadArtifact(o, r, Number(id))],
  ];

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = await readBody(req);
    /** @type {RecordedRequest} */
    const recorded = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: parseJson(text),
      authorization: req.headers.authorization,
    };
    state.requests.push(recorded);
    // Blob downloads are signed URLs on GitHub: no API token, like the real thing.
    const blob = /^\/_blobs\/(\d+)\.zip$/.exec(url.pathname);
    if (blob && req.method === 'GET') {
      const bytes = state.blobs.get(Number(blob[1]));
      if (!bytes) return send(res, 404, { message: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': bytes.length });
      return res.end(bytes);
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    for (const [method, pattern, name, handle] of routes) {
      const match = req.method === method ? pattern.exec(url.pathname) : null;
      if (!match) continue;
      const refusal = state.refusals.get(name);
      if (refusal) return send(res, refusal[0], { message: refusal[1], documentation_url: 'https://docs.github.com/rest', status: String(refusal[0]) });
      const [status, body, headers] = handle(match.slice(1), recorded);
      return send(res, status, body, headers);
    }
    return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  });

  /** @param {string} owner @param {string} repo @param {Record<string, string>} query */
  function listPulls(owner, repo, query) {
    if (state.staleListings > 0) {
      state.staleListings -= 1;
      return [];
    }
    const state_ = query.state ?? 'open';
    return page(
      state.pulls.filter(
        (pull) =>
          pull.base.repo.full_name === `${owner}/${repo}` &&
          (state_ === 'all' || pull.state === state_) &&
          (!query.head || query.head === `${pull.head.user.login}:${pull.head.ref}`) &&
          (!query.base || query.base === pull.base.ref),
      ),
      query,
    );
  }

  /** @param {string} owner @param {string} repo @param {any} body @returns {[number, unknown]} */
  function createPull(owner, repo, body) {
    for (const field of ['head', 'base']) {
      if (typeof body?.[field] !== 'string' || body[field] === '') return validationFailed('PullRequest', field, 'missing_field');
    }
    const [headOwner, headRef] = body.head.includes(':') ? body.head.split(':') : [owner, body.head];
    if (state.pulls.some((pull) => pull.state === 'open' && pull.base.repo.full_name === `${owner}/${repo}` && pull.head.ref === headRef && pull.head.user.login === headOwner && pull.base.ref === body.base)) {
      return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${headOwner}:${headRef}.` }], status: '422' }];
    }
    const number = state.nextNumber++;
    const now = new Date().toISOString();
    const repository = { id: 1, name: repo, full_name: `${owner}/${repo}`, owner: { login: owner, type: 'User' }, html_url: `${WEB}/${owner}/${repo}` };
    const pull = {
      id: state.nextId++,
      node_id: `PR_${number}`,
      number,
      state: 'open',
      locked: false,
      draft: Boolean(body.draft),
      title: body.title ?? '',
      body: body.body ?? null,
      url: `${baseUrl}/repos/${owner}/${repo}/pulls/${number}`,
      html_url: `${WEB}/${owner}/${repo}/pull/${number}`,
      diff_url: `${WEB}/${owner}/${repo}/pull/${number}.diff`,
      issue_url: `${baseUrl}/repos/${owner}/${repo}/issues/${number}`,
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      labels: [],
      head: { label: `${headOwner}:${headRef}`, ref: headRef, sha: '0'.repeat(40), user: { login: headOwner, type: 'User' }, repo: repository },
      base: { label: `${owner}:${body.base}`, ref: body.base, sha: '0'.repeat(40), user: { login: owner, type: 'User' }, repo: repository },
      created_at: now,
      updated_at: now,
      closed_at: null,
      merged_at: null,
    };
    state.pulls.push(pull);
    return [201, pull];
  }

  /** @param {string} owner @param {string} repo @param {string} number @param {(pull: any) => [number, unknown]} then @returns {[number, unknown]} */
  function withPull(owner, repo, number, then) {
    const pull = state.pulls.find((p) => p.base.repo.full_name === `${owner}/${repo}` && p.number === Number(number));
    return pull ? then(pull) : [404, { message: 'Not Found', status: '404' }];
  }

  /** @param {any} pull @param {any} body @returns {[number, unknown]} */
  function updatePull(pull, body) {
    for (const field of ['title', 'body', 'state', 'base']) {
      if (body?.[field] === undefined) continue;
      if (field === 'base') pull.base = { ...pull.base, ref: body.base, label: `${pull.base.user.login}:${body.base}` };
      else pull[field] = body[field];
    }
    pull.updated_at = new Date().toISOString();
    return [200, pull];
  }

  /** @param {any} pull @param {any} body @returns {[number, unknown]} */
  function addComment(pull, body) {
    if (typeof body?.body !== 'string' || body.body === '') return validationFailed('IssueComment', 'body', 'missing_field');
    const comment = { id: state.nextId++, body: body.body, user: { login: 'github-actions[bot]' }, html_url: `${pull.html_url}#issuecomment-${state.nextId}` };
    pull.comments = [...(pull.comments ?? []), comment];
    return [201, comment];
  }

  /** @param {any} pull @param {'assignees' | 'requested_reviewers'} field @param {unknown} logins @returns {[number, unknown]} */
  function addPeople(pull, field, logins) {
    const names = Array.isArray(logins) ? logins : [];
    pull[field] = [...(pull[field] ?? []), ...names.filter((name) => !(pull[field] ?? []).some((/** @type {any} */ user) => user.login === name)).map((login) => ({ login, type: 'User' }))];
    return [201, pull];
  }

  /** Users and teams (by slug), as GitHub lists them on the pull request. @param {any} pull @param {any} body @returns {[number, unknown]} */
  function requestReviews(pull, body) {
    addPeople(pull, 'requested_reviewers', body?.reviewers);
    const teams = Array.isArray(body?.team_reviewers) ? body.team_reviewers : [];
    pull.requested_teams = [...(pull.requested_teams ?? []), ...teams.filter((slug) => !(pull.requested_teams ?? []).some((/** @type {any} */ team) => team.slug === slug)).map((slug) => ({ slug, name: slug }))];
    return [201, pull];
  }

  /** The issue side of a pull request: its milestone (any number is taken as an existing milestone). @param {any} pull @param {any} body @returns {[number, unknown]} */
  function updateIssue(pull, body) {
    if (body?.milestone !== undefined) pull.milestone = body.milestone === null ? null : { number: Number(body.milestone), title: `milestone ${body.milestone}` };
    for (const field of ['title', 'body', 'state']) if (body?.[field] !== undefined) pull[field] = body[field];
    pull.updated_at = new Date().toISOString();
    return [200, pull];
  }

  // ---- the git data API, over a real bare repository (serveRepository), with real git objects

  /** @param {string} owner @param {string} repo @param {(dir: string) => [number, unknown]} then @returns {[number, unknown]} */
  function withGit(owner, repo, then) {
    const dir = state.gitRepos.get(`${owner}/${repo}`);
    if (!dir) return [404, { message: 'Not Found', status: '404' }];
    try {
      return then(dir);
    } catch (error) {
      return [422, { message: `git failed: ${/** @type {Error} */ (error).message}`, status: '422' }];
    }
  }

  /** @param {string} dir @param {string[]} args @param {{ input?: string | Buffer, env?: Record<string, string> }} [options] */
  function gitIn(dir, args, options = {}) {
    return execFileSync('git', args, { cwd: dir, input: options.input, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8').trim();
  }

  /** @param {string} dir @param {string} sha */
  const objectType = (dir, sha) => {
    try {
      return gitIn(dir, ['cat-file', '-t', sha]);
    } catch {
      return undefined;
    }
  };

  /** @param {string} dir @param {any} body @returns {[number, unknown]} */
  function createBlob(dir, body) {
    if (typeof body?.content !== 'string') return validationFailed('Blob', 'content', 'missing_field');
    const bytes = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8');
    const sha = gitIn(dir, ['hash-object', '-w', '-t', 'blob', '--stdin'], { input: bytes });
    return [201, { sha, url: `${baseUrl}/repos/_/_/git/blobs/${sha}` }];
  }

  /** base_tree plus entries (paths may hold slashes; sha null deletes), as GitHub builds it. @param {string} dir @param {any} body @returns {[number, unknown]} */
  function createTree(dir, body) {
    if (!Array.isArray(body?.tree)) return validationFailed('Tree', 'tree', 'missing_field');
    if (body.base_tree && objectType(dir, body.base_tree) !== 'tree') return [422, { message: `Invalid base_tree: ${body.base_tree}`, status: '422' }];
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'standin-github-index-'));
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      if (body.base_tree) gitIn(dir, ['read-tree', body.base_tree], { env });
      else gitIn(dir, ['read-tree', '--empty'], { env });
      // --index-info works in a bare repository; mode 0 removes the path.
      const lines = [];
      for (const entry of body.tree) {
        if (entry.sha === null) lines.push(`0 ${'0'.repeat(40)}\t${entry.path}`);
        else if (typeof entry.sha === 'string') {
          if (entry.type === 'blob' && objectType(dir, entry.sha) !== 'blob') return [422, { message: `tree.sha ${entry.sha} is not a valid blob`, status: '422' }];
          lines.push(`${entry.mode} ${entry.sha}\t${entry.path}`);
        } else return validationFailed('Tree', 'sha', 'missing_field');
      }
      gitIn(dir, ['update-index', '--index-info'], { env, input: `${lines.join('\n')}\n` });
      const sha = gitIn(dir, ['write-tree'], { env });
      return [201, { sha, url: `${baseUrl}/repos/_/_/git/trees/${sha}`, truncated: false, tree: [] }];
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /**
   * A commit; GitHub signs it (verification.verified) when it is the committer, i.e. no committer was given.
   * @param {string} dir @param {any} body @returns {[number, unknown]}
   */
  function createCommit(dir, body) {
    if (typeof body?.message !== 'string') return validationFailed('Commit', 'message', 'missing_field');
    if (objectType(dir, body.tree) !== 'tree') return [422, { message: 'Tree SHA does not exist', status: '422' }];
    const parents = Array.isArray(body.parents) ? body.parents : [];
    for (const parent of parents) if (objectType(dir, parent) !== 'commit') return [422, { message: 'Parent SHA does not exist or is not a commit object', status: '422' }];
    const bot = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };
    const author = body.author ?? bot;
    const committer = body.committer ?? bot;
    const env = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: committer.name, GIT_COMMITTER_EMAIL: committer.email };
    const sha = gitIn(dir, ['commit-tree', body.tree, ...parents.flatMap((/** @type {string} */ parent) => ['-p', parent]), '-m', body.message], { env });
    const verification = body.committer ? { verified: false, reason: 'unsigned' } : { verified: true, reason: 'valid' };
    state.signatures.set(sha, verification);
    return [201, { sha, tree: { sha: body.tree }, parents: parents.map((/** @type {string} */ p) => ({ sha: p })), author, committer, message: body.message, verification: { ...verification, signature: null, payload: null } }];
  }

  /** @param {string} dir @param {string} ref `heads/<branch>` */
  function refSha(dir, ref) {
    try {
      return gitIn(dir, ['rev-parse', '--verify', '-q', `refs/${ref}^{commit}`]);
    } catch {
      return undefined;
    }
  }

  /** @param {string} dir @param {string} ref @returns {[number, unknown]} */
  function getRef(dir, ref) {
    const sha = refSha(dir, ref);
    return sha ? [200, { ref: `refs/${ref}`, object: { sha, type: 'commit' } }] : [404, { message: 'Not Found', status: '404' }];
  }

  /** @param {string} dir @param {any} body @returns {[number, unknown]} */
  function createRef(dir, body) {
    if (typeof body?.ref !== 'string' || !body.ref.startsWith('refs/')) return [422, { message: 'Reference name must start with refs/', status: '422' }];
    if (refSha(dir, body.ref.slice('refs/'.length))) return [422, { message: 'Reference already exists', status: '422' }];
    if (objectType(dir, body.sha) !== 'commit') return [422, { message: 'Object does not exist', status: '422' }];
    gitIn(dir, ['update-ref', body.ref, body.sha]);
    return [201, { ref: body.ref, object: { sha: body.sha, type: 'commit' } }];
  }

  /** @param {string} dir @param {string} ref @param {any} body @returns {[number, unknown]} */
  function updateRef(dir, ref, body) {
    const now = refSha(dir, ref);
    if (!now) return [422, { message: 'Reference does not exist', status: '422' }];
    if (objectType(dir, body?.sha) !== 'commit') return [422, { message: 'Object does not exist', status: '422' }];
    if (!body.force) {
      try {
        gitIn(dir, ['merge-base', '--is-ancestor', now, body.sha]);
      } catch {
        return [422, { message: 'Update is not a fast forward', status: '422' }];
      }
    }
    gitIn(dir, ['update-ref', `refs/${ref}`, body.sha]);
    return [200, { ref: `refs/${ref}`, object: { sha: body.sha, type: 'commit' } }];
  }

  /** @param {any} pull @param {any} body @returns {[number, unknown]} */
  function addLabels(pull, body) {
    const names = Array.isArray(body) ? body : (body?.labels ?? []);
    for (const name of names) {
      if (!pull.labels.some((/** @type {any} */ label) => label.name === name)) {
        pull.labels.push({ id: state.nextId++, name, color: 'ededed', default: false, description: null });
      }
    }
    return [200, pull.labels];
  }

  /** @param {string} owner @param {string} repo @param {string} workflow @param {Record<string, string>} query */
  function listRuns(owner, repo, workflow, query) {
    const runs = state.runs
      .filter((run) => run.repository.full_name === `${owner}/${repo}`)
      .filter((run) => String(run.workflow_id) === workflow || run.path.endsWith(`/${workflow}`))
      .filter((run) => !query.branch || run.head_branch === query.branch)
      .filter((run) => !query.event || run.event === query.event)
      .filter((run) => !query.status || run.status === query.status || run.conclusion === query.status)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    const paged = page(runs, query);
    return { total_count: runs.length, workflow_runs: paged };
  }

  /** @param {string} owner @param {string} repo @param {number} runId @param {Record<string, string>} query */
  function listArtifacts(owner, repo, runId, query) {
    const artifacts = state.artifacts.filter((a) => a.repo === `${owner}/${repo}` && a.workflow_run.id === runId && (!query.name || a.name === query.name));
    return { total_count: artifacts.length, artifacts: page(artifacts, query).map(withoutRepo) };
  }

  /** @param {string} owner @param {string} repo @param {number} id @returns {[number, unknown, Record<string, string>?]} */
  function downloadArtifact(owner, repo, id) {
    const artifact = state.artifacts.find((a) => a.repo === `${owner}/${repo}` && a.id === id);
    if (!artifact) return [404, { message: 'Not Found', status: '404' }];
    if (artifact.expired) return [410, { message: 'Artifact has expired', status: '410' }];
    return [302, '', { location: `${baseUrl}/_blobs/${id}.zip` }];
  }

  /** @type {Map<string, number>} */
  const workflowIds = new Map([['rerecord.yml', 4242]]);
  /** Each workflow file gets its own numeric id (rerecord.yml is 4242). @param {string} file */
  function workflowId(file) {
    if (!workflowIds.has(file)) workflowIds.set(file, 4242 + workflowIds.size);
    return /** @type {number} */ (workflowIds.get(file));
  }

  server.on('connection', (socket) => socket.unref());
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  baseUrl = `http://127.0.0.1:${address.port}`;
  const defaultOwner = options.owner ?? 'octo';

  return {
    /** The API root: pass as baseUrl / GITHUB_API_URL. */
    url: baseUrl,
    port: address.port,
    state,
    /**
     * Every request so far, optionally only those of one method and path pattern.
     * @param {string} [method] @param {RegExp} [pathPattern]
     */
    requests(method, pathPattern) {
      return state.requests.filter((r) => (!method || r.method === method) && (!pathPattern || pathPattern.test(r.path)));
    },
    /**
     * Answer an operation with an error instead. Operations: list-pulls, create-pull, get-pull,
     * update-pull, add-labels, request-reviewers, update-issue, list-workflow-runs,
     * list-run-artifacts, download-artifact, create-blob, create-tree, create-commit, get-ref,
     * create-ref, update-ref.
     * Without a message: 403 "Resource not accessible by integration", as for a read-only token.
     * @param {string} operation @param {number} [status] @param {string} [message]
     */
    refuse(operation, status = 403, message = 'Resource not accessible by integration') {
      state.refusals.set(operation, [status, message]);
    },
    /** @param {string} operation */
    allow(operation) {
      state.refusals.delete(operation);
    },
    /**
     * Serve the git data API (blobs, trees, commits, refs) of `owner/name` from a bare repository:
     * what it writes lands there for real, as on GitHub, and git can fetch it.
     * @param {string} fullName @param {string} gitDir
     */
    serveRepository(fullName, gitDir) {
      state.gitRepos.set(fullName, gitDir);
    },
    /** The next `count` pull request listings answer empty (a pull request opened concurrently). @param {number} count */
    staleListings(count = 1) {
      state.staleListings = count;
    },
    /** Pull requests (all, or open or closed ones) as GitHub would return them. @param {'open' | 'closed' | 'all'} [which] */
    pulls(which = 'all') {
      return state.pulls.filter((pull) => which === 'all' || pull.state === which);
    },
    /**
     * Add a workflow run; returns it. Newest first by created_at (defaults to now, so later seeds are newer).
     * @param {{ id?: number, owner?: string, repo: string, workflow?: number | string, branch: string,
     *   status?: string, conclusion?: string | null, event?: string, createdAt?: string, headSha?: string }} run
     */
    seedRun(run) {
      const owner = run.owner ?? defaultOwner;
      const id = run.id ?? state.nextId++;
      const workflow = run.workflow ?? 'rerecord.yml';
      const status = run.status ?? 'completed';
      const seeded = {
        id,
        name: 'rerecord',
        run_number: state.runs.length + 1,
        run_attempt: 1,
        event: run.event ?? 'schedule',
        status,
        conclusion: run.conclusion !== undefined ? run.conclusion : status === 'completed' ? 'success' : null,
        workflow_id: typeof workflow === 'number' ? workflow : workflowId(workflow),
        path: typeof workflow === 'string' ? `.github/workflows/${workflow}` : '.github/workflows/rerecord.yml',
        head_branch: run.branch,
        head_sha: run.headSha ?? 'f'.repeat(40),
        url: `${baseUrl}/repos/${owner}/${run.repo}/actions/runs/${id}`,
        html_url: `${WEB}/${owner}/${run.repo}/actions/runs/${id}`,
        artifacts_url: `${baseUrl}/repos/${owner}/${run.repo}/actions/runs/${id}/artifacts`,
        created_at: run.createdAt ?? new Date(Date.now() + state.runs.length).toISOString(),
        updated_at: run.createdAt ?? new Date().toISOString(),
        repository: { id: 1, name: run.repo, full_name: `${owner}/${run.repo}`, owner: { login: owner } },
      };
      state.runs.push(seeded);
      return seeded;
    },
    /**
     * Add an artifact to a run; `files` become a zip served by the download redirect (or give `zip` bytes).
     * @param {{ runId: number, owner?: string, repo: string, name: string, files?: Record<string, string | Buffer>,
     *   zip?: Buffer, expired?: boolean }} artifact
     */
    seedArtifact(artifact) {
      const owner = artifact.owner ?? defaultOwner;
      const id = state.nextId++;
      const bytes = artifact.zip ?? writeZip(artifact.files ?? {});
      state.blobs.set(id, bytes);
      const now = new Date().toISOString();
      const seeded = {
        repo: `${owner}/${artifact.repo}`,
        id,
        node_id: `MDg6QXJ0aWZhY3Q${id}`,
        name: artifact.name,
        size_in_bytes: bytes.length,
        url: `${baseUrl}/repos/${owner}/${artifact.repo}/actions/artifacts/${id}`,
        archive_download_url: `${baseUrl}/repos/${owner}/${artifact.repo}/actions/artifacts/${id}/zip`,
        expired: Boolean(artifact.expired),
        digest: null,
        created_at: now,
        updated_at: now,
        expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString(),
        workflow_run: { id: artifact.runId, repository_id: 1, head_repository_id: 1, head_branch: null, head_sha: null },
      };
      state.artifacts.push(seeded);
      return withoutRepo(seeded);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** The artifact as the API shows it (our `repo` bookkeeping left out). @param {{ repo: string } & Record<string, unknown>} artifact */
function withoutRepo({ repo: _repo, ...artifact }) {
  return artifact;
}

/** @param {string} resource @param {string} field @param {string} code @returns {[number, unknown]} */
function validationFailed(resource, field, code) {
  return [422, { message: 'Validation Failed', errors: [{ resource, field, code }], status: '422' }];
}

/** GitHub's paging: per_page (default 30, at most 100) and 1-based page. @template T @param {T[]} items @param {Record<string, string>} query */
function page(items, query) {
  const perPage = Math.min(100, Number(query.per_page) || 30);
  const pageNumber = Math.max(1, Number(query.page) || 1);
  return items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
}

/** @param {http.ServerResponse} res @param {number} status @param {unknown} body @param {Record<string, string>} [headers] */
function send(res, status, body, headers = {}) {
  const text = body === '' ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': 'STANDIN:0001', ...headers });
  res.end(text);
}

/** @param {http.IncomingMessage} req @returns {Promise<string>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** @param {string} text */
function parseJson(text) {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

