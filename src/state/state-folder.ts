// `.rerecord/` is pinned for the length of a run: its identity (device and inode) is taken when the
// run starts, with the folder held open. A test that moves it away and puts a symlink (or anything)
// in its place would send every later backup, journal and report behind that link, and strand the
// backups already taken. So the run looks again at the points where its own writes begin (before an
// attempt opens its transaction, after each test process ends, before the reports) and puts the real
// folder back, found through the held descriptor (Linux), moving whatever stood in its place into
// `.rerecord/recovered/`. Between two looks, a test running beside another can still misdirect that
// other file's writes: the README says so.
import { constants, existsSync } from 'node:fs';
import { lstat, mkdir, open, readlink, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { kindOf } from './own-files.js';
import { RECOVERED_DIR, STATE_DIR } from './paths.js';

const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd');

export class StateFolder {
  private constructor(
    private readonly workingDirectory: string,
    private readonly handle: FileHandle,
    private readonly dev: number,
    private readonly ino: number,
  ) {}

  /** Pin `.rerecord/` as it is now (a real folder: the lock's checks made sure of it). */
  static async pin(workingDirectory: string): Promise<StateFolder> {
    const handle = await open(path.join(workingDirectory, STATE_DIR), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    const info = await handle.stat();
    return new StateFolder(workingDirectory, handle, info.dev, info.ino);
  }

  /**
   * Undefined while `.rerecord/` is the folder pinned at the start; otherwise it is put back and the
   * answer says what happened. Throws when it cannot be put back (removed, or moved where it cannot
   * be renamed from), naming where it went.
   */
  async check(): Promise<string | undefined> {
    const here = path.join(this.workingDirectory, STATE_DIR);
    const now = await lstat(here).catch(() => undefined);
    if (now?.isDirectory() && !now.isSymbolicLink() && now.dev === this.dev && now.ino === this.ino) return undefined;
    const link = PROC_FD ? await readlink(`/proc/self/fd/${this.handle.fd}`).catch(() => undefined) : undefined;
    const found = link !== undefined && !link.endsWith(' (deleted)') && (await this.isPinned(link)) ? link : undefined;
    const inPlace = now ? ` and ${kindOf(now)} put in its place` : '';
    if (found === undefined) {
      throw new Error(`rerecord's folder ${STATE_DIR}/ was ${now ? `replaced by ${kindOf(now)}` : 'removed'} while the run went on, and the real one cannot be found: the backups of the files in flight were in it`);
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

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async isPinned(folder: string): Promise<boolean> {
    const info = await lstat(folder).catch(() => undefined);
    return info !== undefined && info.dev === this.dev && info.ino === this.ino;
  }
}
