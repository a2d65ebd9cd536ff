// Three people meet through the real UI: video, audio, mute, screen share, leave.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('meeting-server.log', server.log());
});

/** Entries of stats() from participant `name`, of `source`. */
function from(all, name, source) {
  return all.find((s) => s.participantName === name && s.source === source);
}

/** Waits until page receives decoding video and audio samples from every name in names. */
async function waitForMedia(page, label, names) {
  await waitFor(
    `${label} to receive video and audio from ${names.join(', ')}`,
    async () => {
      const all = await stats(page);
      return names.every((n) => from(all, n, 'camera')?.framesDecoded > 0 && from(all, n, 'microphone')?.totalSamplesReceived > 0) && all;
    },
    { timeoutMs: 20_000 },
  );
}

test('three people meet, mute, share a screen and leave', { timeout: 180_000 }, async () => {
  const browser = await launch();
  try {
    const names = { a: 'Alice Martin', b: 'Bruno Petit', c: 'Chloé Durand' };
    const pages = {
      a: await person(browser, 'alice'),
      b: await person(browser, 'bruno'),
      c: await person(browser, 'chloe'),
    };

    // Alice signs in and creates a public meeting from the home page.
    await signInPage(pages.a, server.url, names.a, 'alice.martin@example.gouv.fr');
    await pages.a.getByRole('heading', { name: 'Nouvelle réunion' }).waitFor({ timeout: 10_000 });
    await pages.a.getByLabel('Publique').check();
    await pages.a.getByRole('button', { name: 'Créer la réunion' }).click();
    await pages.a.waitForURL(/\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/, { timeout: 10_000 });
    const meetingUrl = pages.a.url();
    await pages.a.waitForSelector('body[data-devices=ready]');
    await screenshot(pages.a, 'prejoin.png');
    await joinFromPrejoin(pages.a, names.a);

    // The others open the link.
    for (const k of ['b', 'c']) {
      await pages[k].goto(meetingUrl);
      await joinFromPrejoin(pages[k], names[k]);
    }

    // Everyone sees and hears the two others.
    const others = (k) => Object.keys(names).filter((o) => o !== k).map((o) => names[o]);
    await Promise.all(Object.keys(pages).map((k) => waitForMedia(pages[k], names[k], others(k))));
    for (const k of Object.keys(pages)) {
      await waitFor(`${names[k]} sees two remote video tiles`, () =>
        pages[k].evaluate(() => [...document.querySelectorAll('.tile')].filter((t) => t.dataset.key !== 'self' && t.querySelector('video:not([hidden])')?.videoWidth > 0).length === 2),
      );
    }
    const first = await Promise.all(Object.keys(pages).map((k) => stats(pages[k])));
    await sleep(1500);
    const second = await Promise.all(Object.keys(pages).map((k) => stats(pages[k])));
    Object.keys(pages).forEach((k, i) => {
      for (const n of others(k)) {
        const v1 = from(first[i], n, 'camera');
        const v2 = from(second[i], n, 'camera');
        assert.ok(v2.framesDecoded > v1.framesDecoded, `${names[k]}: frames from ${n} keep decoding (${v1.framesDecoded} -> ${v2.framesDecoded})`);
        const a1 = from(first[i], n, 'microphone');
        const a2 = from(second[i], n, 'microphone');
        assert.ok(a2.totalSamplesReceived > a1.totalSamplesReceived, `${names[k]}: audio samples from ${n} keep arriving`);
        assert.ok(a2.bytesReceived > a1.bytesReceived, `${names[k]}: audio bytes from ${n} keep arriving`);
      }
    });

    // Time from navigation start to the first remote video frame, per person.
    for (const k of Object.keys(pages)) {
      const s = await state(pages[k]);
      console.log(`metric: first_remote_frame_ms=${s.timings.firstRemoteFrameMs} (${k === 'a' ? 'creator' : 'joiner'} ${names[k]})`);
    }
    await screenshot(pages.a, 'meeting-3.png');

    // The fake microphone beeps: the speaking indicator lights up on a remote tile.
    await waitFor('a remote speaking indicator', () => pages.a.evaluate(() => !!document.querySelector('.tile.speaking:not([data-key=self])')), { timeoutMs: 8_000, intervalMs: 50 });

    // Bruno mutes his microphone.
    await pages.b.getByRole('button', { name: 'Couper le micro' }).click();
    await pages.b.getByRole('button', { name: 'Activer le micro' }).waitFor({ timeout: 5_000 });
    for (const k of ['a', 'c']) {
      await pages[k].getByRole('listitem', { name: names.b, exact: true }).getByRole('img', { name: 'Micro coupé' }).waitFor({ timeout: 5_000 });
      await sleep(300);
      const before = from(await stats(pages[k]), names.b, 'microphone');
      await sleep(1500);
      const afterMute = from(await stats(pages[k]), names.b, 'microphone');
      assert.equal(afterMute?.bytesReceived ?? before.bytesReceived, before.bytesReceived, `${names[k]} receives no audio from muted ${names.b}`);
      const stillAudio = from(await stats(pages[k]), names.c === names[k] ? names.a : names.c, 'microphone');
      assert.ok(stillAudio, 'other audio still listed');
    }
    await screenshot(pages.a, 'meeting-3-muted.png');

    // Bruno turns his camera off (the device stops) and on again (video comes back).
    await pages.b.getByRole('button', { name: 'Couper la caméra' }).click();
    await pages.b.getByRole('button', { name: 'Activer la caméra' }).waitFor({ timeout: 5_000 });
    assert.equal(await pages.b.evaluate(() => window.visio.state().self.camOn), false);
    const brunoTile = pages.a.getByRole('listitem', { name: names.b, exact: true });
    await waitFor('Bruno shown without video', () => brunoTile.evaluate((t) => t.querySelector('video').hidden), { timeoutMs: 5_000 });
    await pages.b.getByRole('button', { name: 'Activer la caméra' }).click();
    await pages.b.getByRole('button', { name: 'Couper la caméra' }).waitFor({ timeout: 5_000 });
    const framesOff = from(await stats(pages.a), names.b, 'camera').framesDecoded;
    await waitFor('Bruno video back', async () => from(await stats(pages.a), names.b, 'camera').framesDecoded > framesOff + 5 && (await brunoTile.evaluate((t) => !t.querySelector('video').hidden)), { timeoutMs: 10_000 });

    // Copying the link is confirmed.
    await pages.a.getByRole('button', { name: 'Copier le lien de la réunion' }).click();
    await pages.a.getByText('Lien copié').first().waitFor({ timeout: 5_000 });

    // Chloé shares her screen: it takes the main stage for the others.
    await pages.c.getByRole('button', { name: 'Partager l’écran' }).click();
    await pages.c.getByRole('button', { name: 'Arrêter le partage' }).waitFor({ timeout: 5_000 });
    for (const k of ['a', 'b']) {
      const stage = pages[k].getByRole('region', { name: `Partage d’écran de ${names.c}` });
      await stage.waitFor({ timeout: 15_000 });
      await waitFor(`${names[k]} decodes the shared screen`, async () => {
        const scr = from(await stats(pages[k]), names.c, 'screen');
        const shown = await stage.locator('video').evaluate((v) => v.videoWidth > 0);
        return scr?.framesDecoded > 0 && shown;
      }, { timeoutMs: 15_000 });
    }
    await screenshot(pages.a, 'meeting-3-screen.png');

    // Stopping the share gives the grid back.
    await pages.c.getByRole('button', { name: 'Arrêter le partage' }).click();
    await waitFor('stage to close for Alice', async () => !(await pages.a.locator('.stage').isVisible()), { timeoutMs: 10_000 });

    // Chloé leaves: her tile disappears for the others.
    await pages.c.getByRole('button', { name: 'Quitter la réunion' }).click();
    await pages.c.getByRole('heading', { name: 'Vous avez quitté la réunion' }).waitFor({ timeout: 5_000 });
    for (const k of ['a', 'b']) {
      await pages[k].getByRole('listitem', { name: names.c, exact: true }).waitFor({ state: 'detached', timeout: 10_000 });
      const s = await state(pages[k]);
      assert.equal(s.participants.length, 1, `${names[k]} sees one other participant`);
    }
    await screenshot(pages.a, 'meeting-2-after-leave.png');
  } finally {
    await browser.close();
  }
});
