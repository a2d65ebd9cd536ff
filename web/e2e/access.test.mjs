// Sign-in, the lobby and moderation through the real UI: a signed-in owner creates a restricted
// meeting, admits a guest from the lobby, mutes and removes them; a trusted room lets a
// signed-in user straight in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('access-server.log', server.log());
});

const owner = { name: 'Odile Martin', email: 'odile.martin@example.gouv.fr' };
const guest = 'Gaspard Petit';

/** Waits until page decodes video from name. */
const receivesVideo = (page, name) =>
  waitFor(`video from ${name}`, async () => (await stats(page)).some((s) => s.participantName === name && s.source === 'camera' && s.framesDecoded > 0), { timeoutMs: 20_000 });

/** A guest on the pre-join page asks to enter. */
async function askToEnter(page, name) {
  await page.getByRole('heading', { name: 'Prêt à rejoindre ?' }).waitFor({ timeout: 10_000 });
  await page.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
  await page.getByLabel('Votre nom').fill(name);
  await page.getByRole('button', { name: 'Rejoindre', exact: true }).click();
}

test('restricted room: lobby, admit, mute, remove', { timeout: 180_000 }, async () => {
  const browser = await launch();
  try {
    const o = await person(browser, 'owner');
    const g = await person(browser, 'guest');

    // The owner signs in: the header shows their name; the home page offers a new meeting.
    await o.goto(server.url + '/');
    await o.getByRole('banner').getByRole('link', { name: 'Se connecter' }).click();
    await o.getByLabel('Nom affiché').fill(owner.name);
    await o.getByLabel('Adresse e-mail').fill(owner.email);
    await o.getByRole('button', { name: /Se connecter/ }).click();
    await o.getByRole('heading', { name: 'Nouvelle réunion' }).waitFor({ timeout: 10_000 });
    await o.getByRole('button', { name: 'Se déconnecter' }).waitFor();
    assert.equal(await o.locator('.account-name').textContent(), owner.name);
    await o.getByLabel('Nom de la réunion (facultatif)').fill('Point budget');
    await o.getByLabel('Restreinte').check();
    await screenshot(o, 'access-home.png');
    await o.getByRole('button', { name: 'Créer la réunion' }).click();
    await o.waitForURL(/\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/, { timeout: 10_000 });
    const link = o.url();

    // Their name comes from the identity: shown, not editable.
    const nameInput = o.getByLabel('Votre nom');
    await nameInput.waitFor();
    assert.equal(await nameInput.inputValue(), owner.name);
    assert.equal(await nameInput.isEditable(), false);
    await joinFromPrejoin(o, owner.name);

    // The room is listed in "Mes réunions" (checked later from the home page).

    // The guest opens the link, gives a name and waits in the lobby.
    await g.goto(link);
    await askToEnter(g, guest);
    await g.getByRole('heading', { name: 'En attente d’admission' }).waitFor({ timeout: 10_000 });
    await g.getByRole('status').filter({ hasText: 'Les organisateurs ont été prévenus' }).waitFor();
    assert.equal((await state(g)).connection, 'lobby');
    await screenshot(g, 'lobby-waiting.png');

    // The owner is told and sees the request in the panel, with "invité·e".
    await o.getByText(`${guest} (invité·e) demande à rejoindre la réunion`).waitFor({ timeout: 10_000 });
    await screenshot(o, 'lobby-alert.png');
    await o.getByRole('button', { name: /Salle d’attente \(1\)/ }).first().click();
    const panel = o.getByRole('region', { name: /Participants/ });
    const lobby = panel.getByRole('region', { name: /Salle d’attente/ });
    await lobby.getByText(guest).waitFor();
    await lobby.getByText('invité·e').waitFor();
    await screenshot(o, 'lobby-panel.png');
    await lobby.getByRole('button', { name: `Admettre ${guest}` }).click();

    // The guest enters at once, and they see each other.
    await waitFor('guest connected', async () => (await state(g)).connection === 'connected');
    await Promise.all([receivesVideo(o, guest), receivesVideo(g, owner.name)]);
    await panel.getByText('Personne n’attend.').waitFor();

    // Role badges: the owner is "Organisateur·rice", the guest "Invité·e".
    await panel.locator('.person', { hasText: owner.name }).getByText('Organisateur·rice').waitFor();
    await panel.locator('.person', { hasText: guest }).getByText('Invité·e').waitFor();

    // The owner mutes the guest, who is told and can unmute.
    await panel.getByRole('button', { name: `Actions pour ${guest}` }).click();
    const actions = panel.getByRole('group', { name: `Actions pour ${guest}` });
    await actions.getByRole('button', { name: 'Couper le micro' }).click();
    await g.getByText(`${owner.name} a coupé votre micro`).first().waitFor({ timeout: 5_000 });
    await g.getByRole('button', { name: 'Activer le micro' }).waitFor({ timeout: 5_000 });
    await waitFor('owner sees the guest muted', () => panel.locator('.person', { hasText: guest }).getByRole('img', { name: 'Micro coupé' }).isVisible());
    await screenshot(o, 'participants-panel.png');

    // The owner removes the guest, after confirming.
    await actions.getByRole('button', { name: 'Retirer de la réunion' }).click();
    const dialog = o.getByRole('dialog');
    await dialog.getByText(`Retirer ${guest} de la réunion ?`).waitFor();
    await screenshot(o, 'remove-confirm.png');
    await dialog.getByRole('button', { name: 'Retirer de la réunion' }).click();
    await g.getByRole('heading', { name: 'Vous avez été retiré·e de la réunion' }).waitFor({ timeout: 10_000 });
    await g.getByText(`${owner.name} vous a retiré·e de la réunion.`).waitFor();
    await screenshot(g, 'removed.png');
    assert.equal(await g.getByRole('button', { name: 'Demander à nouveau' }).count(), 0, 'no way back offered');
    await o.getByText(`${guest} a été retiré·e par ${owner.name}`).first().waitFor({ timeout: 5_000 });
    await waitFor('guest gone for the owner', async () => (await state(o)).participants.length === 0);

    // Trying again from the link does not get back in.
    await g.goto(link);
    await askToEnter(g, guest);
    await g.getByRole('heading', { name: 'Vous avez été retiré·e de la réunion' }).waitFor({ timeout: 10_000 });
    assert.equal((await state(o)).participants.length, 0);

    // Home: "Mes réunions" lists the room with its name.
    const home = await o.context().newPage();
    await home.goto(server.url + '/');
    await home.getByRole('list', { name: 'Mes réunions' }).getByText('Point budget').waitFor({ timeout: 10_000 });
    await home.close();
  } finally {
    await browser.close();
  }
});

test('trusted room: a signed-in user enters directly', { timeout: 120_000 }, async () => {
  const browser = await launch();
  try {
    const o = await person(browser, 'owner2');
    await signInPage(o, server.url, 'Paul Durand', 'paul.durand@example.gouv.fr');
    await o.getByLabel('De confiance').check();
    await o.getByRole('button', { name: 'Créer la réunion' }).click();
    await o.waitForURL(/\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/, { timeout: 10_000 });
    const link = o.url();
    await joinFromPrejoin(o, 'Paul Durand');

    const u = await person(browser, 'colleague');
    await signInPage(u, server.url, 'Claire Moreau', 'claire.moreau@example.gouv.fr', new URL(link).pathname);
    await joinFromPrejoin(u, 'Claire Moreau');
    assert.equal((await state(u)).connection, 'connected');
    await receivesVideo(o, 'Claire Moreau');
  } finally {
    await browser.close();
  }
});
