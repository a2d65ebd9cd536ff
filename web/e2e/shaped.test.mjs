// Simulcast under a shaped link, with real browsers. The test moves itself, the server and
// Chromium into a network namespace of their own (root only) and shapes, with tc, the traffic the
// server's media port sends, so that the viewer's downlink is capped: the viewer must step down
// to a lower layer without its video freezing, and step back up once the cap is lifted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, stats, screenshot } from './browser.mjs';

const mediaPort = '17882';
const ns = process.env.VISIO_SHAPED_NS;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
}

/** Sets the rate of what the server's media port sends ("1gbit": no cap). */
const shape = (rate) => run('tc', ['class', 'change', 'dev', 'lo', 'parent', '1:', 'classid', '1:30', 'htb', 'rate', rate, 'ceil', rate, 'quantum', '1514']);

if (!ns) {
  test('simulcast under a shaped link (Chromium in a network namespace)', { timeout: 300_000 }, (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root to make a network namespace and shape it with tc');
      return;
    }
    const name = `visio-shaped-${process.pid}`;
    const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
    if (add.status !== 0) {
      t.skip(`this kernel does not let us make a network namespace: ${add.stderr}`);
      return;
    }
    try {
      run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
      const env = { ...process.env, VISIO_SHAPED_NS: name };
      delete env.NODE_TEST_CONTEXT; // a test run of its own, not a child of this one
      const r = spawnSync('ip', ['netns', 'exec', name, process.execPath, '--test', fileURLToPath(import.meta.url)], {
        env, encoding: 'utf8', timeout: 280_000,
      });
      for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) if (/observed|not ok|error|Error/.test(line)) console.log(line);
      assert.equal(r.status, 0, 'the test inside the namespace failed');
    } finally {
      spawnSync('ip', ['netns', 'del', name]);
    }
  });
} else {
  test('inside: the viewer steps down under the cap and back up after it', { timeout: 240_000 }, async () => {
    // Everything the media port sends goes through its own HTB class; the rest is untouched.
    run('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10']);
    run('tc', ['class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit', 'quantum', '60000']);
    run('tc', ['class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:30', 'htb', 'rate', '1gbit', 'quantum', '60000']);
    run('tc', ['filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'sport', mediaPort, '0xffff', 'flowid', '1:30']);

    // Debug logs: the server's layer switches and allocations, in the saved log, tell what it saw.
    const server = await startServer({ extraArgs: ['--udp-port', mediaPort, '--log-level', 'debug'] });
    const browser = await launch();
    try {
      const { code } = await createRoom(server.url);
      const a = await person(browser, 'alice');
      const b = await person(browser, 'bruno');
      await a.goto(`${server.url}/${code}`);
      await joinFromPrejoin(a, 'Alice');
      await b.setViewportSize({ width: 1280, height: 800 });
      await b.goto(`${server.url}/${code}`);
      await joinFromPrejoin(b, 'Bruno');
      await b.getByRole('button', { name: 'Couper la caméra' }).click(); // Bruno only watches
      await b.addStyleTag({
        content: `.tile[data-key="self"] { display: none !important; }
                  .tiles { grid-template-columns: 1fr !important; grid-auto-rows: 1fr !important; }`,
      });
      const cam = async () => (await stats(b)).find((s) => s.participantName === 'Alice' && s.source === 'camera');
      const free = await waitFor('a high layer on the free link', async () => {
        const s = await cam();
        return s?.frameHeight >= 360 && s;
      }, { timeoutMs: 60_000 });
      console.log(`observed: free link: Bruno receives ${free.frameWidth}x${free.frameHeight}`);

      shape('400kbit');
      const capped = Date.now();
      const low = await waitFor('a lower layer under a 400 kbit/s cap', async () => {
        const s = await cam();
        return s?.frameHeight > 0 && s.frameHeight < free.frameHeight && s;
      }, { timeoutMs: 45_000 });
      console.log(`observed: 400 kbit/s cap: ${low.frameWidth}x${low.frameHeight} after ${Date.now() - capped} ms`);
      // Not frozen: frames keep being decoded under the cap.
      const f1 = (await cam()).framesDecoded;
      await sleep(3000);
      const f2 = (await cam()).framesDecoded;
      console.log(`observed: ${f2 - f1} frames decoded in 3 s under the cap`);
      assert.ok(f2 - f1 >= 15, `video keeps playing under the cap (${f2 - f1} frames in 3 s)`);
      await screenshot(b, 'shaped-capped.png');

      shape('1gbit');
      const lifted = Date.now();
      const up = await waitFor('a higher layer once the cap lifts', async () => {
        const s = await cam();
        return s?.frameHeight > low.frameHeight && s;
      }, { timeoutMs: 90_000 });
      console.log(`observed: cap lifted: ${up.frameWidth}x${up.frameHeight} after ${Date.now() - lifted} ms`);
    } finally {
      await browser.close();
      await server.stop();
      saveLog('shaped-server.log', server.log());
    }
  });
}
