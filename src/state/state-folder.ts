// `.rerecord/` is pinned for the length of a run: its identity (device and inode) is taken when the
// run starts, with the folder held open. Transactions live in the vault (vault-location.ts), out of
// a test's reach, so a test that moves the folder away, deletes it or plants a symlink in its place
// endangers no cassette; but the reports, the manifest and recovered files must never be written
// behind a link. So the run looks again where its own writes begin (before an attempt opens, after
// each test process ends, before the reports): the real folder is put back, found through the held
// descriptor (Linux), or made anew when it is gone; whatever stood in its place goes to
// `.rerecord/recovered/`. The run warns; no file fails for it.
import { constants, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, readlink, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { kindOf } from './own-files.js';
import { RECOVERED_DIR, STATE_DIR, STATE_GITIGNORE } from './paths.js';

const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd');

export class StateFolder {
  private constructor(
    private readonly workingDirectory: string,
    private handle: FileHandle,
    private dev: number,
    private ino: number,
  ) {}

  /** Pin `.rerecord/` as it is now (a real folder: the lock's checks made sure of it). */
  static async pin(workingDirectory: string): Promise<StateFolder> {
    const { handle, dev, ino } = await holdFolder(path.join(workingDirectory, STATE_DIR));
    return new StateFolder(workingDirectory, handle, dev, ino);
  }

  /**
   * Undefined while `.rerecord/` is the folder pinned at the start; otherwise it is put back and the
   * answer says what happened. Made anew when it was removed; throws only when it cannot be put back
   * (moved where it cannot be renamed from), naming where it went.
   */
  check(): Promise<string | undefined> {
    // One look at a time: two files ending together must not both make the folder anew.
    const look = this.looking.then(() => this.lookNow());
    this.looking = look.catch(() => undefined);
    return look;
  }

  private looking: Promise<unknown> = Promise.resolve();

  private async lookNow(tries = 3): Promise<string | undefined> {
    const here = path.join(this.workingDirectory, STATE_DIR);
    const now = await lstat(here).catch(() => undefined);
    if (now?.isDirectory() && !now.isSymbolicLink() && now.dev === this.dev && now.ino === this.ino) return undefined;
    const link = PROC_FD ? await readlink(`/proc/self/fd/${this.handle.fd}`).catch(() => undefined) : undefined;
    const found = link !== undefined && !link.endsWith(' (deleted)') && (await this.isPinned(link)) ? link : undefined;
    const inPlace = now ? ` and ${kindOf(now)} put in its place` : '';
    if (found === undefined) {
      try {
        return await this.makeAnew(now);
      } catch (error) {
        // A test made a folder there in the meantime: look again, it goes aside like anything else.
        const code = (error as NodeJS.ErrnoException).code;
        if (tries > 1 && (code === 'ENOTEMPTY' || code === 'EEXIST')) return this.lookNow(tries - 1);
        throw error;
      }
    }
    const shown = (file: string) => path.relative(this.workingDirectory, file).split(path.sep).join('/');
    try {
      let keptAt = '';
      if (now) {
        const recovered = path.join(found, path.relative(STATE_DIR, RECOVERED_DIR));
        await mkdir(recovered, { recursive: true });
        keptAt = `${Date.now()}-in-place-of-${STATE_DIR.slice(1)}`;
        await rename(here, path.join(recovered, keptAt));
      }
      await rename(found, here);
      const back = await lstat(here);
      if (back.dev !== this.dev || back.ino !== this.ino) throw new Error('another folder took its place again');
      const kept = keptAt ? `; what stood in its place is in ${RECOVERED_DIR}/${keptAt}` : '';
      return `rerecord's folder ${STATE_DIR}/ was moved to ${shown(found)}${inPlace} while the run went on: put back${kept}`;
    } catch (error) {
      throw new Error(`rerecord's folder ${STATE_DIR}/ was moved to ${found}${inPlace} while the run went on, and could not be put back (${(error as Error).message}): move it back to ${here} and run rerecord recover`);
    }
  }

  /** The pinned folder is gone: a new real one takes its place, and the pin follows it. */
  private async makeAnew(now: Stats | undefined): Promise<string> {
    const here = path.join(this.workingDirectory, STATE_DIR);
    const fresh = path.join(this.workingDirectory, `${STATE_DIR}.rr-${randomBytes(4).toString('hex')}`);
    await mkdir(fresh);
    await writeFile(path.join(fresh, '.gitignore'), STATE_GITIGNORE);
    let kept = '';
    if (now) {
      const keptAt = `${Date.now()}-in-place-of-${STATE_DIR.slice(1)}`;
      const recovered = path.join(fresh, path.relative(STATE_DIR, RECOVERED_DIR));
      await mkdir(recovered, { recursive: true });
      await rename(here, path.join(recovered, keptAt));
      kept = `; what stood in its place (${kindOf(now)}) is in ${RECOVERED_DIR}/${keptAt}`;
    }
    await rename(fresh, here).catch(async (error: unknown) => {
      // Empty but for its .gitignore unless something was moved into it: that stays, never deleted.
      if (!now) await rm(fresh, { recursive: true, force: true });
      throw error;
    });
    await this.handle.close().catch(() => undefined);
    ({ handle: this.handle, dev: this.dev, ino: this.ino } = await holdFolder(here));
    return `rerecord's folder ${STATE_DIR}/ was ${now ? `replaced by ${kindOf(now)}` : 'removed'} while the run went on (by a test, or git clean/stash): made anew${kept}; no backup was in it (they are in the vault)`;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async isPinned(folder: string): Promise<boolean> {
    const info = await lstat(folder).catch(() => undefined);
    return info !== undefined && info.dev === this.dev && info.ino === this.ino;
  }
}

/** A folder held open (never through a symlink), with the identity it has while held. */
async function holdFolder(folder: string): Promise<{ handle: FileHandle; dev: number; ino: number }> {
  const handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  const { dev, ino } = await handle.stat();
  return { handle, dev, ino };
}
