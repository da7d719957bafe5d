// The warm workers of one run (src/frameworks/WORKERS.md): started on demand, one per file running
// at once, handed back after each file. When no worker can serve (`warm: auto`) every file runs
// in a fresh process instead, and the reason is said once.
import type { ChildOutcome } from './child.js';
import type { WarmMode } from '../config/inputs.js';
import type { FrameworkPreset, WarmWorkerLaunch } from '../frameworks/preset.js';
import { scriptInterpreter } from './shebang.js';
import { WarmWorker, type WarmRequest, type WorkerLaunch } from './warm-worker.js';

export interface WarmPoolSettings {
  mode: WarmMode;
  preset: FrameworkPreset;
  command: readonly string[];
  hookDirectory: string;
  workingDirectory: string;
  /** The test processes' environment (the key included: a project's setup may read it while loading). */
  childEnv: NodeJS.ProcessEnv;
  /** How long one worker may take to load. */
  readyTimeoutMs: number;
  redact?: (text: string) => string;
  /** Called once, when the run falls back to fresh processes. */
  onFallback?: (reason: string) => void;
}

/** A child per file from warm workers; `run` answers undefined when the file must run in a fresh process. */
export interface WarmRunner {
  run(request: Omit<WarmRequest, 'args'>): Promise<ChildOutcome | undefined>;
}

/** Workers that died under a file before the run stops starting new ones: a worker that keeps dying is not warm, it is broken. */
const WORKER_DEATHS_TOLERATED = 3;

/** The variables a worker must not have: it records nothing itself, each child gets its own. */
const PER_FILE_VARIABLES = ['RERECORD_JOURNAL', 'RERECORD_BACKUP_DIR', 'RERECORD_MODE'];

export class WarmPool implements WarmRunner {
  private readonly idle: WarmWorker[] = [];
  private readonly all = new Set<WarmWorker>();
  private fallback: string | undefined;
  private deaths = 0;
  private started = 0;
  private readonly served = { warm: 0, fresh: 0 };
  private readonly launch: (WorkerLaunch & { runnerArgs: string[] }) | undefined;
  /** What the first worker loaded, for the report. */
  loaded: string[] | undefined;

  constructor(private readonly settings: WarmPoolSettings) {
    const plan = settings.preset.warmWorker?.(settings.command, settings.hookDirectory);
    if (settings.mode === 'off' || !plan) {
      this.fallback = settings.mode === 'off' ? 'warm is off' : `framework ${settings.preset.name} has no warm worker`;
      return;
    }
    if ('unavailable' in plan) {
      this.fallBack(plan.unavailable);
      return;
    }
    const launch = workerLaunch(plan, settings);
    if ('unavailable' in launch) {
      this.fallBack(launch.unavailable);
      return;
    }
    this.launch = { ...launch, runnerArgs: plan.runnerArgs };
  }

  /** Why files run in fresh processes; undefined while workers serve. */
  get fallbackReason(): string | undefined {
    return this.fallback;
  }

  /**
   * For `warm: on`: starts one worker before any test file runs and keeps it; the reason when none
   * can start (the caller makes that exit 2).
   */
  async prove(): Promise<string | undefined> {
    if (!this.launch) return this.fallback;
    const worker = await this.take();
    if (worker) this.idle.push(worker);
    return worker ? undefined : this.fallback;
  }

  async run(request: Omit<WarmRequest, 'args'>): Promise<ChildOutcome | undefined> {
    const worker = await this.take();
    this.served[worker ? 'warm' : 'fresh']++;
    if (!worker) return undefined;
    try {
      return await worker.run({ ...request, args: this.launch!.runnerArgs });
    } finally {
      if (worker.alive) this.idle.push(worker);
      else this.buried(worker);
    }
  }

  /** How the test processes were started, for the report. */
  describe(): string {
    const workers = `${this.started} warm worker${this.started === 1 ? '' : 's'}${this.loaded?.length ? ` (each loaded ${this.loaded.join(', ')} once)` : ''}`;
    if (this.fallback === undefined) return `forked from ${workers}`;
    const fresh = `a fresh process per file (${this.fallback})`;
    return this.served.warm === 0 ? fresh : `${this.served.warm} forked from ${workers}, then ${fresh}`;
  }

  /** Stops every worker (none is running a file by then). */
  async close(): Promise<void> {
    const workers = [...this.all];
    this.idle.length = 0;
    this.all.clear();
    await Promise.all(workers.map((worker) => worker.stop()));
  }

  private async take(): Promise<WarmWorker | undefined> {
    if (this.fallback !== undefined || !this.launch) return undefined;
    const idle = this.idle.pop();
    if (idle) return idle;
    const started = await WarmWorker.start(this.launch);
    if ('unavailable' in started) {
      this.fallBack(`the warm worker could not start: ${started.unavailable}`);
      return undefined;
    }
    // Another file's start may have given up on warm workers meanwhile: this one is not needed.
    if (this.fallback !== undefined) {
      await started.worker.stop();
      return undefined;
    }
    this.loaded ??= started.loaded;
    this.started++;
    this.all.add(started.worker);
    return started.worker;
  }

  private buried(worker: WarmWorker): void {
    this.all.delete(worker);
    if (++this.deaths >= WORKER_DEATHS_TOLERATED) this.fallBack(`${this.deaths} warm workers died under a test file`);
  }

  private fallBack(reason: string): void {
    if (this.fallback !== undefined) return;
    this.fallback = reason;
    if (this.settings.mode !== 'off') this.settings.onFallback?.(`${reason}; every test file runs in a fresh process instead`);
    const idle = this.idle.splice(0);
    for (const worker of idle) {
      this.all.delete(worker);
      void worker.stop();
    }
  }
}

function workerLaunch(plan: WarmWorkerLaunch, settings: WarmPoolSettings): WorkerLaunch | { unavailable: string } {
  // The same environment a fresh process of this preset gets, less what belongs to one file.
  const fresh = settings.preset.launch('', settings.command, { hookDirectory: settings.hookDirectory, journal: '', backupDirectory: '' }, settings.childEnv).env;
  const env: NodeJS.ProcessEnv = { ...settings.childEnv, ...fresh, RERECORD_ROOT: settings.workingDirectory, RERECORD_WORKER: '1' };
  for (const name of PER_FILE_VARIABLES) delete env[name];
  let { command, args } = plan;
  if (plan.interpreterOf !== undefined) {
    const interpreter = scriptInterpreter(plan.interpreterOf, settings.workingDirectory, env.PATH);
    if ('unavailable' in interpreter) return { unavailable: `cannot tell which interpreter runs ${plan.interpreterOf}: ${interpreter.unavailable}` };
    command = interpreter.command;
    args = [...interpreter.args, ...plan.args];
  }
  return { command, args, cwd: settings.workingDirectory, env, readyTimeoutMs: settings.readyTimeoutMs, ...(settings.redact ? { redact: settings.redact } : {}) };
}
