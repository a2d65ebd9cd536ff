// Cost of background effects and noise suppression in the browser: one person alone in a
// meeting, camera processed at 640x360; Chromium's CPU (every process of this browser, from
// /proc) over a window with no effect, blur, replacement, and noise suppression.
//
//   cd web && VISIO_BIN=../bin/visio node e2e/bench-effects.mjs
//
// Results go to docs/BENCHMARKS.md. Linux only (reads /proc).

import fs from 'node:fs';
import os from 'node:os';
import { startServer } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, joinFromPrejoin, sleep } from './browser.mjs';

const windowMs = Number(process.env.WINDOW_MS ?? 15000);
const tick = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s

/** CPU seconds used so far by the Chromium launched by this script (its process tree). */
function browserCpu(rootPids) {
  const stat = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stat.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick });
    } catch {
      // gone
    }
  }
  const inTree = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; hops++) {
      if (rootPids.has(p)) return true;
      p = stat.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let total = 0;
  for (const [pid, s] of stat) if (inTree(pid)) total += s.cpu;
  return total;
}

/** Pids of Chromium main processes started with one of Playwright's temporary profiles. */
function chromiumRoots(exclude) {
  const out = new Set();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || exclude.has(Number(d))) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('playwright_chromiumdev_profile') && !cmd.includes('--type=')) out.add(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

const server = await startServer();
const already = chromiumRoots(new Set());
const browser = await launch();
try {
  const roots = chromiumRoots(already);
  const { code } = await createRoom(server.url);
  const page = await person(browser, 'bench');
  await page.goto(`${server.url}/${code}`);
  await joinFromPrejoin(page, 'Bench');
  await page.getByRole('button', { name: 'Plus d’options' }).click();
  await page.getByRole('button', { name: 'Caméra, micro et haut-parleur…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Caméra, micro et haut-parleur' });
  const measure = async (label, setup) => {
    await setup();
    await sleep(4000); // models loaded, steady state
    const sentFrames = () => page.evaluate(() => window.visio.state().effects.composed);
    const f0 = await sentFrames();
    const c0 = browserCpu(roots);
    const t0 = Date.now();
    await sleep(windowMs);
    const secs = (Date.now() - t0) / 1000;
    const cpu = (browserCpu(roots) - c0) / secs;
    const fps = ((await sentFrames()) - f0) / secs;
    const ms = await page.evaluate(() => window.visio.state().effects.frameMs);
    const avg = ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : 0;
    console.log(`${label.padEnd(18)} browser CPU ${(cpu * 100).toFixed(0)}% of one core` + (fps ? `, ${fps.toFixed(1)} camera frames/s drawn with the effect` : '') + (avg ? `, ${avg.toFixed(0)} ms per segmented frame (masks at ${(1000 / avg).toFixed(1)}/s)` : ''));
  };
  await measure('no effect', async () => undefined);
  await measure('blur', () => dialog.getByLabel('Flou').check());
  await measure('replacement', () => dialog.getByLabel('Remplacé par un fond uni').check());
  await measure('noise suppression', async () => {
    await dialog.getByLabel('Aucun effet').check();
    await dialog.getByLabel('Réduction du bruit').check();
  });
  console.log(`(${os.cpus().length} cores: ${os.cpus()[0]?.model}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
} finally {
  await browser.close();
  await server.stop();
}
