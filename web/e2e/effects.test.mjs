// Background blur and replacement, and noise suppression, in the browser: turned on from the
// devices dialog, they change what the others receive. The fake camera shows no person, so its
// whole frame is background: blurred, its detail (mean gradient) drops; replaced, its colours
// become the plain background's. Ana's microphone is steady white noise: noise suppression takes
// it down.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('effects-server.log', server.log());
});

/** Detail and colour of the background (a band along the edges) of name's video as page shows it. */
function background(page, name) {
  return page.getByRole('listitem', { name, exact: true }).locator('video').evaluate((v) => {
    const w = 160;
    const h = 90;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    const lum = (x, y) => { const i = (y * w + x) * 4; return 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; };
    let grad = 0, n = 0, r = 0, gr = 0, b = 0;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const edge = y < h / 4 || y > (3 * h) / 4 || x < w / 5 || x > (4 * w) / 5;
        if (!edge) continue;
        grad += Math.abs(lum(x + 1, y) - lum(x - 1, y)) + Math.abs(lum(x, y + 1) - lum(x, y - 1));
        const i = (y * w + x) * 4;
        r += d[i]; gr += d[i + 1]; b += d[i + 2];
        n++;
      }
    }
    return { gradient: grad / n, r: r / n, g: gr / n, b: b / n, width: v.videoWidth };
  });
}

/** Makes the page's microphone steady white noise (the camera stays the fake one). */
async function noiseMicrophone(page) {
  await page.addInitScript(() => {
    const md = navigator.mediaDevices;
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      const s = await original(constraints);
      if (!constraints?.audio) return s;
      const ctx = new AudioContext({ sampleRate: 48000 });
      const buf = ctx.createBuffer(1, 48000 * 2, 48000);
      const data = buf.getChannelData(0);
      for (let i = 0; i < data.length; i++) data[i] = (Math.random() * 2 - 1) * 0.3;
      const src = ctx.createBufferSource();
      src.buffer = buf;
      src.loop = true;
      const dest = ctx.createMediaStreamDestination();
      src.connect(dest);
      src.start();
      for (const t of s.getAudioTracks()) {
        s.removeTrack(t);
        t.stop();
      }
      s.addTrack(dest.stream.getAudioTracks()[0]);
      return s;
    };
  });
}

/** The loudest audio level page hears from name over ms. */
async function loudest(page, name, ms) {
  let max = 0;
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const a = (await stats(page)).find((s) => s.participantName === name && s.source === 'microphone');
    max = Math.max(max, a?.audioLevel ?? 0);
    await sleep(60);
  }
  return max;
}

test('background blur and replacement, noise suppression', { timeout: 180_000 }, async () => {
  const { code } = await createRoom(server.url);
  const browser = await launch();
  try {
    const ana = await person(browser, 'ana');
    await noiseMicrophone(ana);
    const bob = await person(browser, 'bob');
    for (const [p, n] of [[ana, 'Ana Lopez'], [bob, 'Bob Martin']]) {
      await p.goto(`${server.url}/${code}`);
      await joinFromPrejoin(p, n);
    }
    await waitFor('Bob sees Ana', async () => (await background(bob, 'Ana Lopez')).width > 0, { timeoutMs: 20_000 });
    await sleep(1500);
    const plain = await background(bob, 'Ana Lopez');
    const noisy = await loudest(bob, 'Ana Lopez', 2500);

    // Off by default; Ana turns blur on.
    await ana.getByRole('button', { name: 'Plus d’options' }).click();
    await ana.getByRole('button', { name: 'Caméra, micro et haut-parleur…' }).click();
    const dialog = ana.getByRole('dialog', { name: 'Caméra, micro et haut-parleur' });
    assert.ok(await dialog.getByLabel('Aucun effet').isChecked(), 'effects are off by default');
    assert.equal(await dialog.getByLabel('Réduction du bruit').isChecked(), false);
    await dialog.getByLabel('Flou').check();
    await waitFor('the blurred camera sent', async () => (await ana.evaluate(() => window.visio.state().effects.frameMs.length)) >= 5, { timeoutMs: 30_000 });
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    let blurred;
    await waitFor('Bob receives a blurred background', async () => {
      blurred = await background(bob, 'Ana Lopez');
      return blurred.gradient < plain.gradient * 0.6;
    }, { timeoutMs: 20_000 });
    const ms = await ana.evaluate(() => window.visio.state().effects.frameMs);
    console.log(`observed: background gradient ${plain.gradient.toFixed(2)} -> ${blurred.gradient.toFixed(2)} blurred; ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(0)} ms per segmented frame here`);
    await screenshot(bob, 'effects-blur.png');

    // Replaced: the background takes the plain background's blue-grey.
    await ana.getByRole('button', { name: 'Plus d’options' }).click();
    await ana.getByRole('button', { name: 'Caméra, micro et haut-parleur…' }).click();
    await dialog.getByLabel('Remplacé par un fond uni').check();
    let replaced;
    await waitFor('Bob receives the replaced background', async () => {
      replaced = await background(bob, 'Ana Lopez');
      return replaced.b > replaced.g && replaced.b > 150;
    }, { timeoutMs: 20_000 });
    console.log(`observed: background colour rgb(${plain.r.toFixed(0)},${plain.g.toFixed(0)},${plain.b.toFixed(0)}) -> rgb(${replaced.r.toFixed(0)},${replaced.g.toFixed(0)},${replaced.b.toFixed(0)}) replaced`);
    await screenshot(bob, 'effects-replace.png');

    // Noise suppression: the noise is taken down; Ana's audio still arrives.
    await dialog.getByLabel('Réduction du bruit').check();
    await waitFor('the denoised microphone sent', () => ana.evaluate(() => window.visio.state().effects.noise), { timeoutMs: 10_000 });
    await sleep(1000);
    const denoised = await loudest(bob, 'Ana Lopez', 2500);
    console.log(`observed: loudest noise level ${noisy.toFixed(3)} -> ${denoised.toFixed(3)} with noise suppression`);
    assert.ok(denoised < noisy * 0.5, `noise suppression: ${noisy} -> ${denoised}`);
    const before = (await stats(bob)).find((s) => s.participantName === 'Ana Lopez' && s.source === 'microphone').packetsReceived;
    await sleep(1000);
    assert.ok((await stats(bob)).find((s) => s.participantName === 'Ana Lopez' && s.source === 'microphone').packetsReceived > before + 20, 'Ana still heard');

    // Remembered in this browser; back to no effect gives the camera back.
    assert.deepEqual(await ana.evaluate(() => JSON.parse(localStorage.getItem('visio.effects'))), { background: 'replace', noise: true });
    await dialog.getByLabel('Aucun effet').check();
    await waitFor('Bob receives the plain camera again', async () => (await background(bob, 'Ana Lopez')).gradient > plain.gradient * 0.7, { timeoutMs: 20_000 });
  } finally {
    await browser.close();
  }
});

/** Mean colour of the background (a band along the edges) of the pre-join preview. */
function previewColour(page) {
  return page.locator('.preview-video').evaluate((v) => {
    const w = 160;
    const h = 90;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    let n = 0, r = 0, gr = 0, b = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!(y < h / 4 || y > (3 * h) / 4 || x < w / 5 || x > (4 * w) / 5)) continue;
        const i = (y * w + x) * 4;
        r += d[i]; gr += d[i + 1]; b += d[i + 2];
        n++;
      }
    }
    return { r: r / n, g: gr / n, b: b / n, width: v.videoWidth };
  });
}

test('background effect chosen on the pre-join screen: previewed, remembered, used in the meeting', { timeout: 120_000 }, async () => {
  const { code } = await createRoom(server.url);
  const browser = await launch();
  try {
    const cleo = await person(browser, 'cleo');
    await cleo.setViewportSize({ width: 1024, height: 768 });
    await cleo.goto(`${server.url}/${code}`);
    await cleo.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
    const choice = cleo.getByRole('group', { name: 'Arrière-plan' });
    assert.ok(await choice.getByLabel('Aucun effet').isChecked(), 'no effect by default');
    await waitFor('the preview plays', async () => (await previewColour(cleo)).width > 0);
    const plain = await previewColour(cleo);

    // Replaced: the preview's background takes the plain background's blue-grey.
    await choice.getByLabel('Remplacé par un fond uni').check();
    await cleo.waitForSelector('.preview[data-effect=replace]', { timeout: 30_000 });
    let replaced;
    await waitFor('a replaced background in the preview', async () => {
      replaced = await previewColour(cleo);
      return replaced.b > replaced.g && replaced.b > 150;
    }, { timeoutMs: 20_000 });
    console.log(`observed: preview background rgb(${plain.r.toFixed(0)},${plain.g.toFixed(0)},${plain.b.toFixed(0)}) -> rgb(${replaced.r.toFixed(0)},${replaced.g.toFixed(0)},${replaced.b.toFixed(0)}) replaced`);

    // Blurred: the processed track is shown (the effect's 16:9 frames).
    await choice.getByLabel('Flou').check();
    await cleo.waitForSelector('.preview[data-effect=blur]', { timeout: 30_000 });
    await waitFor('the blurred preview', async () => {
      const c = await previewColour(cleo);
      return c.g > c.b; // the fake camera's green, no longer the replacement's blue-grey
    }, { timeoutMs: 10_000 });
    await screenshot(cleo, 'prejoin-effects-blur-1024x768.png');

    // Remembered: after a reload the choice and the effect are back.
    await cleo.reload();
    await cleo.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
    assert.ok(await cleo.getByRole('group', { name: 'Arrière-plan' }).getByLabel('Flou').isChecked(), 'the choice was forgotten');
    await cleo.waitForSelector('.preview[data-effect=blur]', { timeout: 30_000 });

    // In the meeting, the camera sent is the blurred one.
    await joinFromPrejoin(cleo, 'Cléo Durand');
    await waitFor('the blurred camera sent in the meeting', async () => (await cleo.evaluate(() => window.visio.state().effects.frameMs.length)) >= 5, { timeoutMs: 30_000 });
  } finally {
    await browser.close();
  }
});
