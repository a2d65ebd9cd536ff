// The meeting's chat in real browsers: two people exchange messages (one private), the unread
// badge and the screen-reader announcement, markup shown as text, a link opened safely, someone
// in the lobby has no chat, and once admitted reads the history; a message too long is refused
// with the limit and kept.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, joinFromPrejoin, screenshot, state } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('chat-server.log', server.log());
});

const chatButton = (page) => page.getByRole('button', { name: /^Discussion/ });
const messages = (page) => page.locator('#chat-panel li.chat-message');

test('chat: public and private messages, badge, markup as text, safe link, lobby, history', { timeout: 180_000 }, async () => {
  const browser = await launch();
  try {
    const odile = await person(browser, 'odile');
    const gaspard = await person(browser, 'gaspard');
    await odile.setViewportSize({ width: 1280, height: 720 });
    await signInPage(gaspard, server.url, 'Gaspard Petit', 'gaspard.petit@example.gouv.fr');
    await signInPage(odile, server.url, 'Odile Martin', 'odile.martin@example.gouv.fr');
    const room = await odile.evaluate(async () => {
      const res = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ access: 'trusted' }) });
      return res.json();
    });
    const link = `${server.url}/${room.code}`;
    await odile.goto(link);
    await joinFromPrejoin(odile, 'Odile Martin');
    await gaspard.goto(link);
    await joinFromPrejoin(gaspard, 'Gaspard Petit');

    // Odile writes to everyone: markup and a link, in the page's own origin (no third party).
    const target = `${server.url}/connection-test`;
    const hostile = `<img src=x onerror="window.pwned=1"> <b>gras</b> voir ${target}.`;
    await chatButton(odile).click();
    await odile.getByLabel('Votre message').fill(hostile);
    await odile.getByLabel('Votre message').press('Enter');
    await messages(odile).filter({ hasText: '<b>gras</b>' }).waitFor({ timeout: 5_000 });
    assert.equal(await odile.getByLabel('Votre message').inputValue(), '', 'the sent text stays in the composer');

    // Gaspard, chat closed: an unread badge on the toggle, and a polite announcement.
    await gaspard.getByRole('button', { name: 'Discussion, 1 message(s) non lu(s)' }).waitFor({ timeout: 5_000 });
    assert.equal(await gaspard.locator('.chat-badge').textContent(), '1');
    await waitFor('announcement', async () => (await gaspard.locator('#chat-live[aria-live=polite]').textContent())?.startsWith('Odile Martin : <img src=x'), { timeoutMs: 5_000 });
    await chatButton(gaspard).click();
    const received = messages(gaspard).first();
    await received.waitFor({ timeout: 5_000 });
    assert.equal(await received.locator('.chat-from').textContent(), 'Odile Martin');
    assert.match(await received.locator('time').textContent(), /^\d\d:\d\d$/);
    assert.equal(await received.locator('.chat-text').textContent(), hostile, 'the text is not shown as typed');
    assert.equal(await gaspard.locator('.chat-text img, .chat-text b').count(), 0, 'markup was interpreted');
    assert.equal(await gaspard.evaluate(() => window.pwned), undefined);
    assert.equal(await gaspard.locator('.chat-badge').isVisible(), false, 'the badge stays with the panel open');
    const a = received.getByRole('link', { name: target });
    assert.equal(await a.getAttribute('href'), target);
    assert.equal(await a.getAttribute('target'), '_blank');
    assert.equal(await a.getAttribute('rel'), 'noopener noreferrer');
    const [popup] = await Promise.all([gaspard.context().waitForEvent('page'), a.click()]);
    await popup.waitForLoadState();
    assert.equal(popup.url(), target);
    assert.equal(await popup.evaluate(() => window.opener), null, 'the opened page can reach the meeting');
    await popup.close();

    // Gaspard answers Odile privately: both see it marked private.
    await gaspard.getByLabel('À', { exact: true }).selectOption({ label: 'Odile Martin' });
    await gaspard.getByLabel('Votre message').fill('Rien que pour vous');
    await gaspard.getByRole('button', { name: 'Envoyer' }).click();
    await messages(odile).filter({ hasText: 'Rien que pour vous' }).getByText('Privé, pour vous').waitFor({ timeout: 5_000 });
    await messages(gaspard).filter({ hasText: 'Rien que pour vous' }).getByText('Privé, à Odile Martin').waitFor({ timeout: 5_000 });

    // Odile keeps the chat: Gaspard is told; what he then writes to everyone is kept.
    const keep = odile.getByRole('checkbox', { name: 'Conserver la discussion avec la réunion' });
    assert.equal(await gaspard.getByRole('checkbox', { name: 'Conserver la discussion avec la réunion' }).count(), 0, 'a participant without a role may keep the chat');
    await keep.check();
    await gaspard.getByText('La discussion est conservée pour les organisateurs de la salle').waitFor({ timeout: 5_000 });
    await gaspard.getByLabel('À', { exact: true }).selectOption({ label: 'Tout le monde' });
    await gaspard.getByLabel('Votre message').fill('Compte rendu : https://example.org/cr');
    await gaspard.getByLabel('Votre message').press('Enter');
    await messages(odile).filter({ hasText: 'Compte rendu' }).waitFor({ timeout: 5_000 });
    await screenshot(odile, 'chat-1280x720.png');
    await odile.setViewportSize({ width: 1024, height: 768 });
    await screenshot(odile, 'chat-1024x768.png');

    // A guest waits in the lobby: no chat to open.
    const lea = await person(browser, 'lea');
    await lea.goto(link);
    await lea.getByRole('heading', { name: 'Prêt à rejoindre ?' }).waitFor({ timeout: 10_000 });
    await lea.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
    await lea.getByLabel('Votre nom').fill('Léa Invitée');
    await lea.getByRole('button', { name: 'Rejoindre', exact: true }).click();
    await waitFor('Léa in the lobby', async () => (await state(lea)).connection === 'lobby');
    assert.equal(await chatButton(lea).isVisible(), false, 'a chat toggle in the lobby');
    assert.equal(await lea.locator('.chat-text').count(), 0, 'chat shown in the lobby');

    // Admitted, she reads the public history, not the private message.
    await odile.getByRole('button', { name: /Salle d’attente \(1\)/ }).first().click();
    await odile.getByRole('region', { name: /Salle d’attente/ }).getByRole('button', { name: 'Admettre Léa Invitée' }).click();
    await waitFor('Léa connected', async () => (await state(lea)).connection === 'connected');
    const help = lea.getByRole('dialog', { name: 'Raccourcis clavier' });
    await lea.locator('body').click({ position: { x: 5, y: 200 } });
    await lea.keyboard.press('Control+/');
    await help.getByRole('cell', { name: 'Ouvrir ou fermer la discussion' }).waitFor({ timeout: 15_000 });
    await lea.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden', timeout: 5_000 });
    await lea.keyboard.press('Control+Shift+M');
    await messages(lea).first().waitFor({ timeout: 5_000 });
    assert.deepEqual(await lea.locator('#chat-panel .chat-text').allTextContents(), [hostile, 'Compte rendu : https://example.org/cr']);

    // Too long: refused with the limit, and the text is kept.
    const long = 'a'.repeat(2001);
    await lea.getByLabel('Votre message').fill(long);
    await lea.getByRole('button', { name: 'Envoyer' }).click();
    await lea.getByRole('alert').filter({ hasText: 'au plus 2000 caractères' }).waitFor({ timeout: 5_000 });
    assert.equal(await lea.getByLabel('Votre message').inputValue(), long);
    assert.equal(await messages(lea).count(), 2);

    // A private message whose recipient left meanwhile is refused, never sent to everyone.
    await lea.getByLabel('À', { exact: true }).selectOption({ label: 'Gaspard Petit' });
    await gaspard.close();
    await lea.getByRole('option', { name: 'Gaspard Petit (a quitté la réunion)' }).waitFor({ state: 'attached', timeout: 10_000 });
    await lea.getByLabel('Votre message').fill('Vous êtes encore là ?');
    await lea.getByRole('button', { name: 'Envoyer' }).click();
    await lea.getByRole('alert').filter({ hasText: 'le destinataire n’est plus dans la réunion' }).waitFor({ timeout: 5_000 });
    assert.equal(await lea.getByLabel('Votre message').inputValue(), 'Vous êtes encore là ?');
    assert.equal(await messages(odile).filter({ hasText: 'encore là' }).count(), 0);

    // The owner reads the kept chat on the transcripts page: only what was said to everyone after
    // keeping was turned on.
    await odile.goto(`${server.url}/transcripts`);
    const kept = odile.getByRole('region', { name: 'Discussions conservées' });
    await kept.getByText(`Salle ${room.code} · 1 message(s)`).click();
    assert.deepEqual(await kept.locator('.chat-text').allTextContents(), ['Compte rendu : https://example.org/cr']);
    assert.equal(await kept.getByRole('link', { name: 'https://example.org/cr' }).getAttribute('rel'), 'noopener noreferrer');
    await screenshot(odile, 'chat-kept-1024x768.png');
  } finally {
    await browser.close();
  }
});
