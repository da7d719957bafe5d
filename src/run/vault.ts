// Keeps the original bytes of every cassette an attempt may touch, and puts them back exactly.
// The runner snapshots the cassettes it knows of before the child starts; the record hook backs
// up anything else it opens. Restore prefers the runner's snapshot: it predates the child.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JournalEntry } from './journal.js';

interface Original {
  existed: boolean;
  copy: string | null;
}

export class Vault {
  private sequence = 0;

  private constructor(readonly root: string) {}

  static async create(parent = os.tmpdir()): Promise<Vault> {
    return new Vault(await mkdtemp(path.join(parent, 'rerecord-vault-')));
  }

  async openAttempt(): Promise<AttemptVault> {
    const dir = path.join(this.root, String(++this.sequence));
    await mkdir(path.join(dir, 'backup'), { recursive: true });
    await mkdir(path.join(dir, 'snapshot'), { recursive: true });
    return new AttemptVault(dir);
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export class AttemptVault {
  readonly journal: string;
  readonly backupDirectory: string;
  private readonly snapshots = new Map<string, Original>();

  constructor(readonly dir: string) {
    this.journal = path.join(dir, 'journal.jsonl');
    this.backupDirectory = path.join(dir, 'backup');
  }

  /** Copy each existing cassette aside before the child runs; remember which did not exist. */
  async snapshot(cassettes: readonly string[]): Promise<void> {
    for (const cassette of cassettes) {
      if (this.snapshots.has(cassette)) continue;
      const copy = path.join(this.dir, 'snapshot', `${this.snapshots.size}-${path.basename(cassette)}`);
      const existed = await isFile(cassette);
      if (existed) await copyFile(cassette, copy);
      this.snapshots.set(cassette, { existed, copy: existed ? copy : null });
    }
  }

  /** For frameworks without a record hook: remove the snapshotted cassettes so the run records afresh. */
  async moveAside(): Promise<void> {
    for (const [cassette, original] of this.snapshots) if (original.existed) await rm(cassette, { force: true });
  }

  originalOf(cassette: string, journal: readonly JournalEntry[]): Original | undefined {
    const snapshot = this.snapshots.get(cassette);
    if (snapshot) return snapshot;
    const entry = journal.find((candidate) => candidate.cassette === cassette);
    return entry && { existed: entry.existed, copy: entry.backup };
  }

  /** Every cassette this attempt may have touched: the snapshot's and the journal's. */
  touched(journal: readonly JournalEntry[]): string[] {
    return [...new Set([...this.snapshots.keys(), ...journal.map((entry) => entry.cassette)])];
  }

  /** Put every touched cassette back byte for byte; delete the ones that did not exist before. */
  async restore(journal: readonly JournalEntry[]): Promise<Array<{ cassette: string; existed: boolean }>> {
    const restored: Array<{ cassette: string; existed: boolean }> = [];
    for (const cassette of this.touched(journal)) {
      const original = this.originalOf(cassette, journal)!;
      if (original.existed) {
        if (!original.copy) throw new Error(`cannot restore ${cassette}: the record hook journaled it without a backup`);
        await putBack(original.copy, cassette);
      } else {
        await rm(cassette, { force: true });
      }
      restored.push({ cassette, existed: original.existed });
    }
    return restored;
  }

  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Write through a temporary sibling and rename, so a crash mid-copy never leaves half a cassette. */
export async function putBack(copy: string, cassette: string): Promise<void> {
  await mkdir(path.dirname(cassette), { recursive: true });
  const temporary = `${cassette}.rerecord-${randomBytes(4).toString('hex')}`;
  await copyFile(copy, temporary);
  await rename(temporary, cassette);
  const [expected, actual] = await Promise.all([readFile(copy), readFile(cassette)]);
  if (!expected.equals(actual)) throw new Error(`restoring ${cassette} did not reproduce its original bytes`);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
