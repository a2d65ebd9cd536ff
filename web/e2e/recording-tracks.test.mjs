// A server without ffmpeg: Alice records a meeting; the recordings page says plainly that it is
// kept as per-track files, not composed, and lists the files, which she downloads.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, joinFromPrejoin, sleep, waitFor, screenshot } from './browser.mjs';

let server;

before(async () => {
  server = await startServer({ env: { VISIO_RECORDING_FFMPEG: '/nonexistent/ffmpeg' } });
});

after(async () => {
  await server?.stop();
  if (server) saveLog('recording-tracks-server.log', server.log());
});

test('without ffmpeg, the recordings page lists the per-track files', { timeout: 120_000 }, async () => {
  const browser = await launch();
  try {
    const a = await person(browser, 'a');
    await signInPage(a, server.url, 'Alice Martin', 'alice.martin@example.gouv.fr');
    await a.getByRole('heading', { name: 'Nouvelle réunion' }).waitFor({ timeout: 10_000 });
    await a.getByLabel('Publique').check();
    await a.getByRole('button', { name: 'Créer la réunion' }).click();
    await a.waitForURL(/\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/, { timeout: 10_000 });
    const code = new URL(a.url()).pathname.slice(1);
    await joinFromPrejoin(a, 'Alice Martin');
    await a.getByRole('button', { name: 'Enregistrer la réunion' }).click();
    await a.getByRole('button', { name: 'Arrêter l’enregistrement', pressed: true }).waitFor({ timeout: 15_000 });
    await sleep(3_000);
    await a.getByRole('button', { name: 'Arrêter l’enregistrement' }).click();
    await a.getByRole('button', { name: 'Quitter la réunion' }).click();

    await a.goto(`${server.url}/recordings`);
    await a.getByText(/Ce serveur n’a pas ffmpeg : les enregistrements sont conservés en fichiers par piste, non composés/).waitFor();
    await waitFor('the recording stored as per-track files', async () => {
      await a.reload();
      await a.getByRole('heading', { name: `Réunion ${code}` }).waitFor({ timeout: 5_000 });
      return (await a.getByText('Fichiers par piste, non composés en une vidéo').count()) > 0;
    }, { timeoutMs: 30_000, intervalMs: 1_000 });
    assert.equal(await a.getByRole('button', { name: /^Lire/ }).count(), 0);
    const show = a.getByRole('button', { name: new RegExp(`^Fichiers par piste de l’enregistrement de la réunion ${code}`) });
    await show.focus();
    await a.keyboard.press('Enter');
    const list = a.getByRole('list', { name: new RegExp(`^Fichiers par piste de l’enregistrement de la réunion ${code}`) });
    const mic = list.getByRole('link', { name: /^Télécharger : Micro d’Alice Martin, de 0:0\d à 0:0\d/ });
    await mic.waitFor({ timeout: 10_000 });
    await list.getByRole('link', { name: /^Manifeste/ }).waitFor();
    assert.equal(await show.getAttribute('aria-expanded'), 'true');
    await screenshot(a, 'recordings-tracks-only.png');
    const [download] = await Promise.all([a.waitForEvent('download'), mic.click()]);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const body = Buffer.concat(chunks);
    assert.equal(body.subarray(0, 4).toString(), 'OggS', `downloaded ${download.suggestedFilename()}: ${body.length} bytes`);
  } finally {
    await browser.close();
  }
});
