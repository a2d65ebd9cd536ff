// A crowded meeting: sixteen headless participants (the load tester, publishing small VP8 and
// Opus) and one person in Chromium. The grid pages its tiles to the window (16 or more on a
// large screen, fewer on a laptop), shows live video on the visible page only, and the rest is
// reachable page by page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, saveLog, serverBinary } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, stats, screenshot } from './browser.mjs';

const crowd = 16;
let server;
let loadtest;
let loadtestOut = '';
before(async () => {
  server = await startServer();
});
after(async () => {
  loadtest?.kill('SIGTERM');
  await server?.stop();
  if (server) saveLog('crowd-server.log', server.log() + '\n--- loadtest ---\n' + loadtestOut);
});

test(`a meeting of ${crowd + 1}: pages of tiles, video only where it is seen`, { timeout: 180_000 }, async (t) => {
  if (spawnSync('ffmpeg', ['-version']).status !== 0) {
    assert.fail('ffmpeg is needed: the load tester encodes its media with it (apt-get install ffmpeg)');
  }
  const { code } = await createRoom(server.url);
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'visio-crowd-'));
  t.after(() => fs.rmSync(mediaDir, { recursive: true, force: true }));
  loadtest = spawn(serverBinary(), ['loadtest', '--server', server.url, '--room', code, '--publishers', String(crowd),
    '--subscribers', '0', '--publish-only', '--video-size', '320x180', '--fps', '15', '--duration', '120s',
    '--media-dir', mediaDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  loadtest.stdout.on('data', (c) => (loadtestOut += c));
  loadtest.stderr.on('data', (c) => (loadtestOut += c));

  const browser = await launch();
  try {
    const page = await person(browser, 'observer');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${server.url}/${code}`);
    await joinFromPrejoin(page, 'Observatrice');
    await page.getByRole('button', { name: 'Couper le micro' }).click();

    const tiles = () => page.getByRole('listitem').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    await waitFor(`all ${crowd} others in the meeting`, async () => {
      const s = await page.evaluate(() => window.visio.state());
      return s.participants.length >= crowd;
    }, { timeoutMs: 90_000 });

    // A large screen shows 16 tiles or more on the first page, with live video in them.
    await waitFor('a full first page', async () => (await tiles()).length >= 16, { timeoutMs: 15_000 });
    const big = await tiles();
    const decoding = async () => (await stats(page)).filter((s) => s.source === 'camera' && s.framesDecoded > 0);
    await waitFor('video in the tiles of the first page', async () => (await decoding()).length >= Math.min(big.length - 1, crowd) - 1, { timeoutMs: 30_000 });
    console.log(`observed: 1920x1080 shows ${big.length} tiles on page 1, ${(await decoding()).length} remote cameras decoding`);
    await screenshot(page, 'crowd-large.png');

    // A laptop window: fewer tiles per page, the others on page 2, whose cameras are not sent.
    await page.setViewportSize({ width: 1280, height: 720 });
    await waitFor('fewer tiles per page', async () => (await tiles()).length < big.length, { timeoutMs: 10_000 });
    const small = await tiles();
    const status = await page.getByRole('status').filter({ hasText: /Page 1 sur \d/ }).textContent();
    console.log(`observed: 1280x720 shows ${small.length} tiles on page 1 (${status.trim()})`);
    assert.ok(small.length >= 4, `at least four tiles on a laptop page, got ${small.length}`);
    await sleep(2500); // subscriptions settle, the server stops off-page video
    const seen = new Set(small);
    const before = await stats(page);
    await sleep(2000);
    const afterStats = await stats(page);
    const grew = (name) => {
      const a = before.find((s) => s.participantName === name && s.source === 'camera');
      const b = afterStats.find((s) => s.participantName === name && s.source === 'camera');
      return (b?.framesDecoded ?? 0) - (a?.framesDecoded ?? 0);
    };
    const others = afterStats.filter((s) => s.source === 'camera').map((s) => s.participantName);
    const onPage = others.filter((n) => seen.has(n));
    const offPage = others.filter((n) => !seen.has(n));
    const liveOff = offPage.filter((n) => grew(n) > 1);
    const liveOn = onPage.filter((n) => grew(n) > 0);
    console.log(`observed: over 2 s, ${liveOn.length}/${onPage.length} on-page cameras decoded frames, ${liveOff.length}/${offPage.length} off-page ones did`);
    assert.ok(offPage.length > 0, 'someone is on another page');
    assert.deepEqual(liveOff, [], 'no video for tiles on other pages');
    assert.ok(liveOn.length >= onPage.length - 1, 'video for the tiles on the page');
    await screenshot(page, 'crowd-laptop.png');

    // The next page shows the others.
    await page.getByRole('button', { name: 'Page suivante' }).click();
    await page.getByRole('status').filter({ hasText: /Page 2 sur \d/ }).waitFor({ timeout: 5_000 });
    const page2 = await tiles();
    assert.ok(page2.some((n) => !seen.has(n)), `page 2 shows people page 1 did not: ${page2}`);
  } finally {
    await browser.close();
  }
});
