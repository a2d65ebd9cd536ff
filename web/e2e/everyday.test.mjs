// What a four-person meeting showed wrong, checked through the real UI: the browser's
// language, the screen share's label (one's own, French elision), everyone on one row under a
// share at 800x600, the lobby notice not covering names, a muted person rejoining muted,
// signing out of a meeting asks first, the transcription control only for those who can use
// it, and the favicon.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, state, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('everyday-server.log', server.log());
});

/** A guest on the pre-join page asks to enter (the room is not public). */
async function askToEnter(page, name, heading = 'Prêt à rejoindre ?', nameLabel = 'Votre nom', join = 'Rejoindre') {
  await page.getByRole('heading', { name: heading }).waitFor({ timeout: 10_000 });
  await page.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
  await page.getByLabel(nameLabel).fill(name);
  await page.getByRole('button', { name: join, exact: true }).click();
}

const overlaps = (a, b) => a && b && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('the everyday meeting: language, share labels, strip, lobby notice, muted rejoin, sign-out', { timeout: 240_000 }, async () => {
  const browser = await launch();
  try {
    const irene = await person(browser, 'irene');
    const alice = await person(browser, 'alice', { lang: 'en' });
    const bruno = await person(browser, 'bruno');
    for (const p of [irene, alice, bruno]) await p.setViewportSize({ width: 800, height: 600 });

    // An English browser gets English with nothing remembered; the favicon is served.
    await alice.goto(server.url + '/');
    await alice.getByRole('heading', { name: 'Join with a code or a link' }).waitFor({ timeout: 10_000 });
    assert.equal(await alice.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await alice.locator('link[rel=icon]').getAttribute('href'), '/favicon.svg');
    const icon = await alice.request.get(server.url + '/favicon.svg');
    assert.equal(icon.status(), 200);
    assert.match(icon.headers()['content-type'], /image\/svg\+xml/);

    // Irène signs in and owns a trusted meeting: guests wait in the lobby.
    await signInPage(irene, server.url, 'Irène Durand', 'irene.durand@example.gouv.fr');
    const room = await irene.evaluate(async () => {
      const res = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ access: 'trusted', name: 'Point hebdo' }) });
      return res.json();
    });
    const url = `${server.url}/${room.code}`;
    await irene.goto(url);
    await joinFromPrejoin(irene, 'Irène Durand');

    // Alice (a guest) waits: the notice takes its own place and covers no name.
    await alice.goto(url);
    await askToEnter(alice, 'Alice Smith', 'Ready to join?', 'Your name', 'Join');
    const alert = irene.locator('.lobby-alert');
    await alert.waitFor({ state: 'visible', timeout: 10_000 });
    await sleep(300); // the grid relays out under the notice
    const alertBox = await alert.boundingBox();
    for (const footer of await irene.locator('.tile-footer').all()) {
      assert.ok(!overlaps(alertBox, await footer.boundingBox()), 'the lobby notice covers a name');
    }
    await screenshot(irene, 'everyday-lobby-notice.png');
    await irene.getByRole('button', { name: 'Admettre Alice Smith' }).click();
    await waitFor('Alice in', async () => (await state(alice)).connection === 'connected', { timeoutMs: 15_000 });

    // A guest is not shown a transcription control they cannot use.
    await alice.getByRole('button', { name: 'Leave meeting' }).waitFor();
    assert.equal(await alice.getByRole('button', { name: /Transcription/ }).count(), 0, 'a guest sees a transcription button');
    // The owner has it: to start, or disabled and saying it is unavailable (no recognizer built in).
    assert.equal(await irene.getByRole('button', { name: /^(Lancer la transcription|Transcription indisponible)$/ }).count(), 1, 'the owner has no transcription control');

    // Bruno joins, mutes himself, leaves and joins again: still muted.
    await bruno.goto(url);
    await askToEnter(bruno, 'Bruno Petit');
    await irene.getByRole('button', { name: 'Admettre Bruno Petit' }).click();
    await waitFor('Bruno in', async () => (await state(bruno)).connection === 'connected', { timeoutMs: 15_000 });
    await bruno.getByRole('button', { name: 'Couper le micro' }).click();
    await bruno.getByRole('button', { name: 'Activer le micro' }).waitFor({ timeout: 5_000 });
    await bruno.getByRole('button', { name: 'Quitter la réunion' }).click();
    await bruno.getByRole('button', { name: 'Rejoindre à nouveau' }).click();
    await askToEnter(bruno, 'Bruno Petit');
    await irene.getByRole('button', { name: 'Admettre Bruno Petit' }).click();
    await waitFor('Bruno back', async () => (await state(bruno)).connection === 'connected', { timeoutMs: 15_000 });
    await bruno.getByRole('button', { name: 'Activer le micro' }).waitFor({ timeout: 5_000 });
    assert.equal((await state(bruno)).self.micOn, false, 'Bruno came back with his microphone on');
    await irene.getByRole('listitem', { name: 'Bruno Petit', exact: true }).getByRole('img', { name: 'Micro coupé' }).waitFor({ timeout: 5_000 });

    // Irène shares her screen: her own label, elision in French, English for Alice.
    await irene.getByRole('button', { name: 'Partager l’écran' }).click();
    await irene.getByRole('region', { name: 'Votre partage d’écran' }).waitFor({ timeout: 10_000 });
    await bruno.getByRole('region', { name: 'Partage d’écran d’Irène Durand' }).waitFor({ timeout: 15_000 });
    await alice.getByRole('region', { name: 'Screen shared by Irène Durand' }).waitFor({ timeout: 15_000 });

    // At 800x600 with the share on, the three tiles stay on one row, on one page.
    for (const p of [irene, bruno]) {
      await waitFor('three tiles under the share', async () => (await p.locator('.tiles .tile').count()) === 3, { timeoutMs: 10_000 });
      assert.equal(await p.getByRole('status').filter({ hasText: /Page 1 sur/ }).count(), 0, 'a second page of tiles');
    }
    await screenshot(bruno, 'everyday-share-800x600.png');

    // Signing out from the meeting's header asks first; cancelling stays in the meeting.
    await irene.getByRole('button', { name: 'Se déconnecter' }).click();
    const dialog = irene.getByRole('dialog', { name: 'Vous quitterez la réunion. Se déconnecter ?' });
    await dialog.waitFor({ timeout: 5_000 });
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await sleep(500);
    assert.equal((await state(irene)).connection, 'connected');
    await irene.getByRole('button', { name: 'Se déconnecter' }).click();
    await dialog.getByRole('button', { name: 'Quitter et se déconnecter' }).click();
    await waitFor('signed out, at home', async () => (await irene.locator('#account').getAttribute('data-account')) === 'out' && new URL(irene.url()).pathname === '/' && irene.url(), { timeoutMs: 10_000 });
  } finally {
    await browser.close();
  }
});
