// Breakout rooms: a moderator and three guests; the moderator splits them into two rooms with
// the panel's selects, each page then receives media only from the people of its room, the
// moderator visits a room and broadcasts a message shown on every page, then brings everyone
// back: all receive all again. No page reloads or re-enters the lobby on the way.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('breakout-server.log', server.log());
});

/** The names of the people whose media grows on page over one second. */
async function hearing(page) {
  const bytes = async () => new Map((await stats(page)).map((s) => [s.trackId, s]));
  const a = await bytes();
  await sleep(1000);
  const b = await bytes();
  const names = new Set();
  for (const [id, s] of b) {
    if (s.bytesReceived > (a.get(id)?.bytesReceived ?? 0) && s.participantName) names.add(s.participantName);
  }
  return [...names].sort();
}

async function hears(page, label, want) {
  want = [...want].sort();
  let last = [];
  await waitFor(
    `${label} receives media from exactly ${want.join(', ') || 'nobody'}`,
    async () => {
      last = await hearing(page);
      return JSON.stringify(last) === JSON.stringify(want) || undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  ).catch(async (err) => {
    const st = await page.evaluate(() => window.visio.state()).catch(() => null);
    const detail = st && { participants: st.participants.map((p) => ({ name: p.name, tracks: p.tracks.map((t) => `${t.id}:${t.source}${t.muted ? ':muted' : ''}`) })), remote: st.remoteTracks.length, page: st.page, subscriptions: st.subscriptions };
    throw new Error(`${err.message}; receives from ${last.join(', ')}; state ${JSON.stringify(detail)}`);
  });
}

test('split into two rooms, media only within each, broadcast, bring everyone back, no reload', { timeout: 240_000 }, async () => {
  const browser = await launch();
  try {
    const names = { o: 'Odile Martin', a: 'Alix', b: 'Bao', c: 'Chloé' };
    const pages = {};
    for (const k of Object.keys(names)) pages[k] = await person(browser, k);
    const { o, a, b, c } = pages;
    await o.setViewportSize({ width: 1024, height: 700 });
    await a.setViewportSize({ width: 800, height: 560 });

    await signInPage(o, server.url, names.o, 'odile.martin@example.gouv.fr');
    const room = await o.evaluate(async () => {
      const res = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ access: 'public' }) });
      return res.json();
    });
    for (const k of ['o', 'a', 'b', 'c']) {
      await pages[k].goto(`${server.url}/${room.code}`);
      await joinFromPrejoin(pages[k], names[k]);
      // A mark that a reload would erase.
      await pages[k].evaluate(() => (window.breakoutMark = 'same page'));
    }
    const everyone = Object.values(names);
    for (const k of ['o', 'a', 'b', 'c']) await hears(pages[k], names[k], everyone.filter((n) => n !== names[k]));

    // Guests have no breakout controls.
    assert.equal(await a.getByRole('button', { name: 'Salles de sous-groupes' }).count(), 0, 'a guest was offered breakout rooms');

    // Bao turns his camera off: it stays off through the moves. (Audio flows whatever the page
    // of the grid a tile is on; video only for tiles shown.)
    await b.getByRole('button', { name: 'Couper la caméra' }).click();
    await waitFor('Bao camera off', () => b.evaluate(() => window.visio.state().self.camOn === false));

    // The moderator assigns with the panel's selects: Alix and Bao in room 1, Chloé in room 2.
    await o.getByRole('button', { name: 'Salles de sous-groupes' }).click();
    const panel = o.locator('#breakout-panel');
    await panel.getByRole('heading', { name: 'Salles de sous-groupes' }).waitFor({ timeout: 5_000 });
    await panel.getByLabel('Nom de la salle 1').fill('Atelier budget');
    await panel.getByLabel('Nom de la salle 1').press('Tab');
    await panel.getByLabel('Salle d’Alix').selectOption({ label: 'Atelier budget' });
    await panel.getByLabel('Salle de Bao').selectOption({ label: 'Atelier budget' });
    await panel.getByLabel('Salle de Chloé').selectOption({ label: 'Salle 2' });
    await panel.getByLabel('Durée').selectOption({ label: '5 min' });
    await screenshot(o, 'breakout-panel-1024x700.png');
    const before = new Set((await stats(a)).map((x) => x.trackId));
    const opened = Date.now();
    await panel.getByRole('button', { name: 'Ouvrir les salles' }).click();
    await waitFor('Alix receives Bao in room 1', async () => (await stats(a)).some((x) => !before.has(x.trackId) && x.participantName === names.b && x.bytesReceived > 0), { timeoutMs: 30_000, intervalMs: 50 });
    console.log(`breakout move: ${Date.now() - opened} ms from "Ouvrir les salles" to Alix's first media (audio) from Bao in room 1`);

    await a.getByText(/Vous êtes dans Atelier budget — retour en salle principale dans \d+:\d\d/).waitFor({ timeout: 15_000 });
    await c.getByText(/Vous êtes dans Salle 2/).waitFor({ timeout: 15_000 });
    await hears(a, 'Alix in room 1', [names.b]);
    await hears(b, 'Bao in room 1', [names.a]);
    const camOf = (page, name) => page.evaluate((n) => window.visio.state().participants.find((p) => p.name === n)?.tracks.find((t) => t.source === 'camera'), name);
    assert.equal(await b.evaluate(() => window.visio.state().self.camOn), false, 'Bao’s camera turned on by the move');
    const cam = await camOf(a, names.b);
    assert.ok(!cam || cam.muted, 'Alix receives a live camera from Bao');
    assert.ok(await b.getByRole('button', { name: 'Activer la caméra' }).isVisible(), 'Bao’s camera button lost its state');
    await hears(c, 'Chloé alone in room 2', []);
    await hears(o, 'the moderator alone in the main room', []);
    await a.getByText('L’enregistrement et la transcription ne concernent que la salle principale.').waitFor({ timeout: 5_000 });
    await screenshot(o, 'breakout-panel-open-1024x700.png');

    // The moderator visits room 2, then broadcasts to every room.
    await panel.getByRole('button', { name: 'Rejoindre Salle 2' }).click();
    await hears(o, 'the moderator visiting room 2', [names.c]);
    await hears(c, 'Chloé with the moderator', [names.o]);
    await panel.getByLabel('Message à toutes les salles').fill('Plus que deux minutes, concluez !');
    await panel.getByRole('button', { name: 'Envoyer à toutes les salles' }).click();
    for (const k of ['a', 'b', 'c']) {
      await pages[k].getByRole('alert').filter({ hasText: 'Plus que deux minutes, concluez !' }).waitFor({ timeout: 10_000 });
    }
    assert.match(await a.getByRole('alert').filter({ hasText: 'concluez' }).textContent(), /Message d’Odile Martin/);
    await screenshot(a, 'breakout-participant-800x560.png');

    // Everyone back: all receive all again, the banner is gone, and no page reloaded.
    await panel.getByRole('button', { name: 'Fermer les salles et faire revenir tout le monde' }).click();
    for (const k of ['o', 'a', 'b', 'c']) await hears(pages[k], `${names[k]} back`, everyone.filter((n) => n !== names[k]));
    for (const k of ['o', 'a', 'b', 'c']) {
      const page = pages[k];
      assert.equal(await page.locator('.breakout-banner').isVisible(), false, `${names[k]}: banner still shown`);
      const nav = await page.evaluate(() => ({ mark: window.breakoutMark, navigations: performance.getEntriesByType('navigation').map((e) => e.type) }));
      assert.deepEqual(nav, { mark: 'same page', navigations: ['navigate'] }, `${names[k]}: the page reloaded`);
      assert.equal(await page.evaluate(() => window.visio.state().connection), 'connected');
      assert.equal(await page.evaluate(() => window.visio.state().self.camOn), k !== 'b', `${names[k]}: camera state changed`);
    }
  } finally {
    await browser.close();
  }
});
