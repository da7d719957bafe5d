// Preloaded (--import) into the processes bench/plan.mjs times: reports the process's own CPU time
// on exit, which other load on a shared machine does not inflate the way it does wall-clock time.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeSync(2, `\nrerecord-bench-cpu-ms ${((user + system) / 1000).toFixed(1)}\n`);
});
