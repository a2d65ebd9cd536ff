// Raised hands and reactions: hands shown in the order raised on the tiles and in the
// participants panel, the moderator lowers someone's hand, a reaction floats over the sender's
// tile for the others.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, joinFromPrejoin, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('hands-server.log', server.log());
});

const tileOf = (page, name) => page.locator('.tile').filter({ has: page.locator('.tile-name', { hasText: name }) });

test('raise hands in order, the moderator lowers one, a reaction floats', { timeout: 180_000 }, async () => {
  const browser = await launch();
  try {
    const odile = await person(browser, 'odile');
    const gaspard = await person(browser, 'gaspard');
    await odile.setViewportSize({ width: 1024, height: 700 });

    await signInPage(gaspard, server.url, 'Gaspard Petit', 'gaspard.petit@example.gouv.fr');
    await signInPage(odile, server.url, 'Odile Martin', 'odile.martin@example.gouv.fr');
    const room = await odile.evaluate(async () => {
      const res = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ access: 'public' }) });
      return res.json();
    });
    await odile.goto(`${server.url}/${room.code}`);
    await joinFromPrejoin(odile, 'Odile Martin');
    await gaspard.goto(`${server.url}/${room.code}`);
    await joinFromPrejoin(gaspard, 'Gaspard Petit');
    await tileOf(odile, 'Gaspard Petit').waitFor({ timeout: 20_000 });

    // Gaspard raises his hand first, then Odile with the keyboard shortcut.
    await gaspard.getByRole('button', { name: 'Lever la main' }).click();
    await tileOf(odile, 'Gaspard Petit').getByRole('img', { name: 'Main levée, 1ʳᵉ dans l’ordre' }).waitFor({ timeout: 5_000 });
    await gaspard.getByRole('button', { name: 'Baisser la main' }).waitFor({ timeout: 5_000 });
    await odile.keyboard.press('Control+Shift+H');
    await tileOf(gaspard, 'Odile Martin').getByRole('img', { name: 'Main levée, 2ᵉ dans l’ordre' }).waitFor({ timeout: 5_000 });
    await gaspard.locator('.tile[data-key=self]').getByRole('img', { name: 'Main levée, 1ʳᵉ dans l’ordre' }).waitFor({ timeout: 5_000 });

    // The moderator sees the order in the participants panel and lowers Gaspard's hand.
    await odile.getByRole('button', { name: /^Participants/ }).click();
    const panel = odile.locator('.side-panel');
    await panel.locator('li.person', { hasText: 'Gaspard Petit' }).getByRole('img', { name: 'Main levée, 1ʳᵉ dans l’ordre' }).waitFor({ timeout: 5_000 });
    // Raised hands come first in the list, in the order raised.
    assert.deepEqual(await panel.locator('li.person .person-name').allTextContents().then((l) => l.map((x) => x.replace(/ \(.*$/, ''))), ['Gaspard Petit', 'Odile Martin'], 'participants list order');
    await screenshot(odile, 'hands-raised-1024x700.png');
    assert.equal(await gaspard.getByRole('button', { name: 'Baisser la main de Odile Martin' }).count(), 0, 'a non-moderator was offered to lower a hand');
    await panel.getByRole('button', { name: 'Baisser la main de Gaspard Petit' }).click();
    await gaspard.getByRole('button', { name: 'Lever la main' }).waitFor({ timeout: 5_000 });
    await tileOf(gaspard, 'Odile Martin').getByRole('img', { name: 'Main levée, 1ʳᵉ dans l’ordre' }).waitFor({ timeout: 5_000 });
    await waitFor('Gaspard told who lowered his hand', async () => (await gaspard.locator('.toast').textContent())?.includes('Odile Martin a baissé votre main'), { timeoutMs: 5_000 });
    assert.equal(await tileOf(odile, 'Gaspard Petit').locator('.hand-badge').count(), 0, 'the lowered hand is still shown');

    // Gaspard reacts: it floats over his tile on Odile's page.
    await odile.getByRole('button', { name: /^Participants/ }).click();
    await gaspard.getByRole('button', { name: 'Réactions' }).click();
    await gaspard.getByRole('menuitem', { name: 'Réagir 👏' }).click();
    const float = tileOf(odile, 'Gaspard Petit').locator('.reaction-float', { hasText: '👏' });
    await float.waitFor({ timeout: 5_000 });
    await screenshot(odile, 'hands-reaction-1024x700.png');
    assert.equal(await odile.locator('[aria-live]').filter({ hasText: 'Gaspard Petit réagit 👏' }).count() + (await odile.getByText('Gaspard Petit réagit 👏').count()) > 0, true, 'the reaction was not announced');
  } finally {
    await browser.close();
  }
});
