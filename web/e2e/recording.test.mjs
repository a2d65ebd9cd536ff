// Recording through the real UI: Alice (signed in, the room's owner) starts transcription and
// recording; Bruno, a guest, is told before it begins and sees the indicator while it runs.
// After the meeting Alice
// plays the recording on the recordings page, with the transcript as its captions track, and
// deletes it. Speech comes from the shared recordings (Chromium's fake audio capture); the
// recognizer is a small OpenAI-compatible server in this test that answers every utterance with
// a numbered sentence, so that the captions are known.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, screenshot } from './browser.mjs';

const speechDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'testdata', 'speech', 'asr-en');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'visio-rec-e2e-'));
let server;
let whisper;
let skip = '';

before(async () => {
  const src = path.join(speechDir, 'fleurs-en-003.ogg');
  if (!fs.existsSync(src)) {
    skip = `speech test data missing in ${speechDir}`;
    return;
  }
  const wav = path.join(tmp, 'speech.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-af', 'apad=pad_dur=2', '-ar', '48000', '-ac', '1', '-c:a', 'pcm_s16le', wav]);
  process.env.VISIO_TEST_SPEECH_WAV = wav;
  let n = 0;
  whisper = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ text: `phrase ${n}`, segments: [{ start: 0, end: 1.5, text: `phrase ${n}` }] }));
    });
  });
  await new Promise((r) => whisper.listen(0, '127.0.0.1', r));
  process.env.VISIO_TRANSCRIPTION_RECOGNIZER = 'openai';
  process.env.VISIO_TRANSCRIPTION_OPENAI_BASE_URL = `http://127.0.0.1:${whisper.address().port}`;
  process.env.VISIO_TRANSCRIPTION_DIR = path.join(tmp, 'transcripts');
  server = await startServer();
});

after(async () => {
  await server?.stop();
  if (server) saveLog('recording-server.log', server.log());
  whisper?.close();
  for (const k of ['VISIO_TRANSCRIPTION_RECOGNIZER', 'VISIO_TRANSCRIPTION_OPENAI_BASE_URL', 'VISIO_TRANSCRIPTION_DIR']) delete process.env[k];
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a moderator records, everyone is told, the owner plays it with captions', { timeout: 240_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const browsers = [];
  try {
    const audio = [`--use-file-for-fake-audio-capture=${process.env.VISIO_TEST_SPEECH_WAV}`];
    const pages = {};
    for (const k of ['a', 'b']) {
      const browser = await launch({ extraArgs: audio });
      browsers.push(browser);
      pages[k] = await person(browser, k);
    }
    const { a, b } = pages;
    await signInPage(a, server.url, 'Alice Martin', 'alice.martin@example.gouv.fr');
    await a.getByRole('heading', { name: 'Nouvelle réunion' }).waitFor({ timeout: 10_000 });
    await a.getByLabel('Publique').check();
    await a.getByRole('button', { name: 'Créer la réunion' }).click();
    await a.waitForURL(/\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/, { timeout: 10_000 });
    const meetingUrl = a.url();
    const code = new URL(meetingUrl).pathname.slice(1);
    await joinFromPrejoin(a, 'Alice Martin');
    await b.goto(meetingUrl);
    await joinFromPrejoin(b, 'Bruno Petit');

    // Only the moderator has the button; nobody sees an indicator yet.
    const record = a.getByRole('button', { name: 'Enregistrer la réunion' });
    await record.waitFor();
    assert.equal(await b.getByRole('button', { name: 'Enregistrer la réunion' }).count(), 0);
    assert.equal(await b.getByTestId('recording-indicator').isVisible(), false);

    await a.getByRole('button', { name: 'Enregistrer le son seulement' }).waitFor();
    await screenshot(a, 'recording-controls.png');
    await a.getByRole('button', { name: 'Lancer la transcription' }).click();
    await record.click();
    // Told before it begins, then the indicator while it runs.
    await b.getByTestId('recording-indicator').filter({ hasText: 'va commencer, demandé par Alice Martin' }).waitFor({ timeout: 5_000 });
    await screenshot(b, 'recording-starting.png');
    for (const p of [a, b]) await p.getByTestId('recording-indicator').filter({ hasText: /Réunion enregistrée, à la demande d(e |’)Alice Martin/ }).waitFor({ timeout: 10_000 });
    await waitFor('Bruno hears the announcement', () => b.evaluate(() => document.getElementById('announcer')?.textContent?.includes('Réunion enregistrée')));
    await a.getByRole('button', { name: 'Arrêter l’enregistrement', pressed: true }).waitFor();
    await screenshot(b, 'recording-indicator.png');

    await sleep(9_000); // the speech, recorded and transcribed
    await a.getByRole('button', { name: 'Arrêter l’enregistrement' }).click();
    await waitFor('the indicator gone for Bruno', async () => !(await b.getByTestId('recording-indicator').isVisible()));
    await a.getByRole('button', { name: 'Arrêter la transcription' }).click();
    for (const p of [a, b]) await p.getByRole('button', { name: 'Quitter la réunion' }).click();

    // The recordings page: ready, played in the page with its captions, then deleted.
    await a.goto(`${server.url}/recordings`);
    await a.getByRole('heading', { name: 'Enregistrements des réunions' }).waitFor();
    await waitFor('the recording ready', async () => {
      await a.reload();
      await a.getByRole('heading', { name: `Réunion ${code}` }).waitFor({ timeout: 5_000 });
      return (await a.getByText('Prêt').count()) > 0;
    }, { timeoutMs: 90_000, intervalMs: 2_000 });
    const play = a.getByRole('button', { name: new RegExp(`^Lire l’enregistrement de la réunion ${code}`) });
    await play.focus();
    await a.keyboard.press('Enter'); // keyboard usable
    await a.locator('video').waitFor();
    const played = await waitFor('the video plays with a captions track', () => a.evaluate(async () => {
      const v = document.querySelector('video');
      if (!v) return false;
      v.muted = true;
      if (v.paused) await v.play().catch(() => undefined);
      const tr = v.textTracks[0];
      if (tr) tr.mode = 'showing';
      return v.currentTime > 0.5 && tr && tr.kind === 'captions' && tr.cues && tr.cues.length > 0 && { duration: v.duration, cues: tr.cues.length, first: tr.cues[0].text, size: [v.videoWidth, v.videoHeight] };
    }), { timeoutMs: 20_000 });
    assert.ok(played.first.includes('phrase'), `captions: ${JSON.stringify(played)}`);
    assert.equal(played.size[0], 1280);
    // Seek: the server answers range requests.
    await a.evaluate(() => { const v = document.querySelector('video'); v.currentTime = Math.max(0, v.duration - 2); });
    await waitFor('seeked', () => a.evaluate(() => { const v = document.querySelector('video'); return v.currentTime > v.duration - 2.5; }));
    await a.evaluate(() => { const v = document.querySelector('video'); v.currentTime = 3; v.pause(); });
    await sleep(500);
    await a.locator('video').scrollIntoViewIfNeeded();
    await screenshot(a, 'recordings-page.png');

    await a.getByRole('button', { name: new RegExp(`^Supprimer l’enregistrement de la réunion ${code}`) }).click();
    await a.getByRole('dialog').getByRole('button', { name: 'Supprimer' }).click();
    await a.getByText('Aucun enregistrement pour l’instant.').waitFor();
  } finally {
    for (const br of browsers) await br.close();
  }
});
