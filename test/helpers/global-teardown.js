// Safety net for test runs that die mid-way: deletes network namespaces that tests of this machine made
// (`osdn-<pid>-<n>`) whose creating process is gone, after ending the processes inside them by PID.
const { execFileSync } = require('node:child_process');

module.exports = async function globalTeardown() {
  let list = '';
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0];
    const m = /^osdn-(\d+)-\d+$/.exec(name || '');
    if (!m) continue;
    const creator = Number(m[1]);
    try {
      process.kill(creator, 0);
      continue; // creator still alive: not ours to clean
    } catch {
      /* creator gone */
    }
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      execFileSync('ip', ['netns', 'del', name]);
    } catch {
      /* best effort */
    }
  }
};
