// Four people with open microphones, each sending its own steady tone: everyone receives the
// audio of the three others (the server's choice of the loudest microphones is made per
// listener and never counts the listener's own).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, stats } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('audio-selection-server.log', server.log());
});

/** Makes the page's microphone a steady tone of freq Hz (loud: -6 dBFS), camera unchanged. */
async function toneMicrophone(page, freq) {
  await page.addInitScript((f) => {
    const md = navigator.mediaDevices;
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      const s = await original(constraints);
      if (!constraints?.audio) return s;
      const ctx = new AudioContext({ sampleRate: 48000 });
      const osc = ctx.createOscillator();
      osc.frequency.value = f;
      const gain = ctx.createGain();
      gain.gain.value = 0.5;
      const dest = ctx.createMediaStreamDestination();
      osc.connect(gain).connect(dest);
      osc.start();
      for (const t of s.getAudioTracks()) {
        s.removeTrack(t);
        t.stop();
      }
      s.addTrack(dest.stream.getAudioTracks()[0]);
      return s;
    };
  }, freq);
}

test('four open microphones: everyone hears the three others', { timeout: 150_000 }, async () => {
  const { code } = await createRoom(server.url);
  const browser = await launch();
  try {
    const names = ['Anne', 'Bernard', 'Claire', 'Denis'];
    const tones = [330, 440, 550, 660];
    const pages = [];
    for (let i = 0; i < names.length; i++) {
      const page = await person(browser, names[i]);
      await page.setViewportSize({ width: 480, height: 360 });
      await toneMicrophone(page, tones[i]);
      await page.goto(`${server.url}/${code}`);
      await joinFromPrejoin(page, names[i]);
      pages.push(page);
    }
    const audioFrom = (all) => new Map(all.filter((s) => s.kind === 'audio' && s.source === 'microphone').map((s) => [s.participantName, s]));
    for (let i = 0; i < pages.length; i++) {
      const others = names.filter((_, j) => j !== i);
      await waitFor(`${names[i]} receives audio from ${others.join(', ')}`, async () => {
        const m = audioFrom(await stats(pages[i]));
        return others.every((n) => m.get(n)?.packetsReceived > 0);
      }, { timeoutMs: 30_000 });
    }
    // Everyone speaks at once for a while: the server's selection has settled.
    await sleep(2000);
    const before = await Promise.all(pages.map((p) => stats(p).then(audioFrom)));
    await sleep(3000);
    const afterStats = await Promise.all(pages.map((p) => stats(p).then(audioFrom)));
    const heard = names.map((name, i) => {
      const others = names.filter((_, j) => j !== i);
      return { name, hears: others.filter((n) => (afterStats[i].get(n)?.packetsReceived ?? 0) - (before[i].get(n)?.packetsReceived ?? 0) > 50 && afterStats[i].get(n)?.audioLevel > 0.05) };
    });
    console.log(`observed: ${heard.map((h) => `${h.name} hears ${h.hears.join(', ')}`).join('; ')}`);
    for (let i = 0; i < names.length; i++) {
      assert.equal(heard[i].hears.length, 3, `${names[i]} hears ${heard[i].hears.join(', ')}, not the three others`);
    }
  } finally {
    await browser.close();
  }
});
