// Alice publishes her camera in simulcast (720p fake camera, layers q/h/f); Bruno's tile of her
// decides what he receives: a small tile gets the quarter layer, a full-window tile a higher one.
// When the server pauses unused layers (`layers`), Alice's browser stops encoding them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('simulcast-server.log', server.log());
});

const camFrom = async (page, name) => (await stats(page)).find((s) => s.participantName === name && s.source === 'camera');
const sent = (page) => page.evaluate(() => window.visio.sent());
const camLayers = async (page) => (await sent(page)).filter((e) => e.source === 'camera');

/** Encodings whose framesEncoded did not grow between two samples, by rid. */
function stalled(a, b) {
  return b.filter((e) => e.framesEncoded <= (a.find((x) => x.rid === e.rid)?.framesEncoded ?? 0)).map((e) => e.rid);
}

/** Checks that the layers the server asked Alice to pause are not encoded; logs what was seen. */
async function checkPaused(page, label) {
  const s = await state(page);
  const last = s.layers.filter((l) => l.source === 'camera').at(-1);
  const first = await camLayers(page);
  await sleep(2000);
  const second = await camLayers(page);
  const summary = second.map((e) => `${e.rid}:${e.active ? 'on' : 'off'} ${e.frameWidth}x${e.frameHeight} frames=${e.framesEncoded}`).join(', ');
  console.log(`observed (${label}): layers messages=${s.layers.length} last=${JSON.stringify(last?.active ?? null)}; Alice sends ${summary}; stalled=${JSON.stringify(stalled(first, second))}`);
  if (!last) return null;
  for (const e of second) {
    const wanted = last.active.includes(e.rid);
    const before = first.find((x) => x.rid === e.rid);
    if (wanted) continue;
    assert.equal(e.active, false, `${label}: layer ${e.rid} paused at Alice (server wants ${JSON.stringify(last.active)})`);
    assert.ok(e.framesEncoded - (before?.framesEncoded ?? 0) <= 1, `${label}: layer ${e.rid} not encoded (${before?.framesEncoded} -> ${e.framesEncoded})`);
  }
  return last.active;
}

test('simulcast: the layer Bruno receives follows the size of his tile of Alice', { timeout: 120_000 }, async () => {
  const browser = await launch();
  try {
    const { code } = await createRoom(server.url);
    const a = await person(browser, 'alice');
    const b = await person(browser, 'bruno');
    await b.setViewportSize({ width: 400, height: 300 });
    await a.goto(`${server.url}/${code}`);
    await joinFromPrejoin(a, 'Alice');
    await b.goto(`${server.url}/${code}`);
    await joinFromPrejoin(b, 'Bruno');

    const cam = (await state(a)).self.camera;
    console.log(`observed: Alice's fake camera delivers ${cam.width}x${cam.height} at ${cam.frameRate} fps`);
    assert.ok(cam.width >= 1280 && cam.height >= 720, 'the fake camera gives 1280x720');

    // Alice's browser encodes the three layers (until the server pauses some).
    const layers = await waitFor('Alice to send three camera encodings', async () => {
      const l = await camLayers(a);
      return l.length === 3 && l;
    });
    assert.deepEqual(layers.map((e) => e.rid).sort(), ['f', 'h', 'q']);

    // Small tile: Bruno receives the quarter layer.
    await waitFor('Bruno decodes Alice', async () => (await camFrom(b, 'Alice'))?.framesDecoded > 0, { timeoutMs: 20_000 });
    const tileSmall = await b.getByRole('listitem', { name: 'Alice', exact: true }).evaluate((t) => [t.clientWidth, t.clientHeight]);
    const t0 = Date.now();
    const small = await waitFor('Bruno to receive the low layer', async () => {
      const s = await camFrom(b, 'Alice');
      return s?.frameWidth > 0 && s.frameWidth <= 320 && s;
    }, { timeoutMs: 15_000 });
    console.log(`observed: tile ${tileSmall[0]}x${tileSmall[1]} css px -> Bruno receives ${small.frameWidth}x${small.frameHeight} after ${Date.now() - t0} ms`);
    await screenshot(b, 'simulcast-small.png');
    const pausedSmall = await checkPaused(a, 'small tile');

    // Large tile: full window, Alice alone on Bruno's grid.
    await b.setViewportSize({ width: 1280, height: 800 });
    await b.addStyleTag({
      content: `.tile[data-key="self"] { display: none !important; }
                .tiles { grid-template-columns: 1fr !important; grid-auto-rows: 1fr !important; }`,
    });
    const tileLarge = await b.getByRole('listitem', { name: 'Alice', exact: true }).evaluate((t) => [t.clientWidth, t.clientHeight]);
    const t1 = Date.now();
    const large = await waitFor('Bruno to receive a higher layer', async () => {
      const s = await camFrom(b, 'Alice');
      return s?.frameWidth > small.frameWidth && s;
    }, { timeoutMs: 15_000 }).catch(async (err) => {
      await screenshot(b, 'simulcast-large.png');
      const sa = await state(a);
      console.log(`observed (no switch): Bruno subscribed ${JSON.stringify((await state(b)).subscriptions)}; Alice got layers ${JSON.stringify(sa.layers)}; Alice sends ${JSON.stringify(await camLayers(a))}; Bruno receives ${JSON.stringify(await camFrom(b, 'Alice'))}`);
      throw err;
    });
    const switchedMs = Date.now() - t1;
    await sleep(3000); // give the server time to go up to the top layer if it will
    const settled = await camFrom(b, 'Alice');
    console.log(`observed: tile ${tileLarge[0]}x${tileLarge[1]} css px -> Bruno receives ${large.frameWidth}x${large.frameHeight} after ${switchedMs} ms, ${settled.frameWidth}x${settled.frameHeight} 3 s later`);
    const sub = (await state(b)).subscriptions;
    console.log(`observed: Bruno sent ${sub.messages} subscribe messages; last state ${JSON.stringify(sub.tracks)}`);
    assert.ok(settled.framesDecoded > large.framesDecoded, 'video keeps decoding after the switch');
    await screenshot(b, 'simulcast-large.png');
    const pausedLarge = await checkPaused(a, 'large tile');
    if (pausedSmall && pausedLarge) assert.notDeepEqual(pausedSmall, pausedLarge, 'the server asked for other layers once the tile grew');

    // What Bruno decoded was encrypted and sent on the server's own send path, not pion's.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const paths = (p) => Number(metrics.match(new RegExp(`^visio_sfu_subscriber_send_paths_total\\{path="${p}"\\} (\\S+)$`, 'm'))?.[1]);
    console.log(`observed: subscriber send paths direct=${paths('direct')} pion=${paths('pion')}`);
    assert.equal(paths('direct'), 2, 'both browsers\' subscriber connections on the direct send path');
    assert.equal(paths('pion'), 0, 'no subscriber connection on pion\'s send path');
  } finally {
    await browser.close();
  }
});
