// During the meeting: keyboard shortcuts and their help, changing camera, microphone and
// speaker, pinning a tile, full screen, the meeting's name and clock in the header, and the
// owners' room settings (rename, access level, members and roles).

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
  if (server) saveLog('everyday-controls-server.log', server.log());
});

const from = (all, name, source) => all.find((s) => s.participantName === name && s.source === source);
const sentCamera = async (page) => (await page.evaluate(() => window.visio.sent())).filter((e) => e.source === 'camera').reduce((n, e) => n + e.framesEncoded, 0);

test('shortcuts, device switch, pin, full screen, header, room settings', { timeout: 240_000 }, async () => {
  // Two fake cameras, so that there is one to switch to.
  const browser = await launch({ extraArgs: ['--use-fake-device-for-media-stream=device-count=2'] });
  try {
    const odile = await person(browser, 'odile');
    const gaspard = await person(browser, 'gaspard');
    await odile.setViewportSize({ width: 1280, height: 800 });

    await signInPage(gaspard, server.url, 'Gaspard Petit', 'gaspard.petit@example.gouv.fr');
    const gaspardId = await gaspard.evaluate(async () => (await (await fetch('/api/v1/me')).json()).id);
    await signInPage(odile, server.url, 'Odile Martin', 'odile.martin@example.gouv.fr');
    const room = await odile.evaluate(async () => {
      const res = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ access: 'public', name: 'Point hebdo' }) });
      return res.json();
    });
    await odile.goto(`${server.url}/${room.code}`);
    await joinFromPrejoin(odile, 'Odile Martin');
    await gaspard.goto(`${server.url}/${room.code}`);
    await joinFromPrejoin(gaspard, 'Gaspard Petit');
    await waitFor('Odile decodes Gaspard', async () => from(await stats(odile), 'Gaspard Petit', 'camera')?.framesDecoded > 0, { timeoutMs: 20_000 });

    // The header: the meeting's name and the time.
    const info = await odile.locator('.meeting-info').textContent();
    assert.match(info, /^Point hebdo · \d\d:\d\d$/, `header: ${info}`);

    // Shortcuts: Ctrl+D the microphone, Ctrl+E the camera, Ctrl+/ the help.
    await odile.keyboard.press('Control+d');
    await odile.getByRole('button', { name: 'Activer le micro' }).waitFor({ timeout: 5_000 });
    assert.equal((await state(odile)).self.micOn, false);
    await odile.keyboard.press('Control+d');
    await odile.getByRole('button', { name: 'Couper le micro' }).waitFor({ timeout: 5_000 });
    await odile.keyboard.press('Control+e');
    await odile.getByRole('button', { name: 'Activer la caméra' }).waitFor({ timeout: 5_000 });
    await odile.keyboard.press('Control+e');
    await odile.getByRole('button', { name: 'Couper la caméra' }).waitFor({ timeout: 5_000 });
    assert.equal((await state(odile)).self.camOn, true);
    await odile.keyboard.press('Control+/');
    const help = odile.getByRole('dialog', { name: 'Raccourcis clavier' });
    await help.waitFor({ timeout: 5_000 });
    await help.getByRole('cell', { name: 'Couper ou activer le micro' }).waitFor();
    await screenshot(odile, 'everyday-shortcuts-1280x800.png');
    await odile.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden', timeout: 5_000 });

    // Gaspard changes camera, microphone and speaker during the meeting.
    await gaspard.getByRole('button', { name: 'Plus d’options' }).click();
    assert.equal(await gaspard.getByRole('button', { name: 'Paramètres de la réunion…' }).count(), 0, 'room settings offered to a non-owner');
    await gaspard.getByRole('button', { name: 'Caméra, micro et haut-parleur…' }).click();
    const devices = gaspard.getByRole('dialog', { name: 'Caméra, micro et haut-parleur' });
    await devices.waitFor({ timeout: 5_000 });
    const before = (await gaspard.evaluate(() => window.visio.sent())).find((e) => e.source === 'camera')?.trackLabel;
    await devices.getByLabel('Caméra').selectOption({ label: 'fake_device_1' });
    await waitFor('the new camera in the self tile', () => gaspard.evaluate(() => document.querySelector('[data-key=self] video').srcObject?.getVideoTracks()[0]?.label === 'fake_device_1'), { timeoutMs: 10_000 });
    // The sender sends the new camera (replaceTrack). Chromium's second fake camera is not
    // encoded after a replaceTrack (its first is: checked with the microphone below and in the
    // meeting test), so frames are not counted here.
    await waitFor('the new camera sent', async () => (await gaspard.evaluate(() => window.visio.sent())).every((e) => e.source !== 'camera' || e.trackLabel === 'fake_device_1'), { timeoutMs: 5_000 });
    console.log(`observed: camera ${before} -> fake_device_1 on the sender`);
    // Back to the first camera: its frames reach Odile through the replaced track.
    await devices.getByLabel('Caméra').selectOption({ label: 'fake_device_0' });
    await waitFor('the first camera sent again', async () => (await gaspard.evaluate(() => window.visio.sent())).every((e) => e.source !== 'camera' || e.trackLabel === 'fake_device_0'), { timeoutMs: 5_000 });
    const dec1 = from(await stats(odile), 'Gaspard Petit', 'camera').framesDecoded;
    await waitFor('Odile sees Gaspard again', async () => from(await stats(odile), 'Gaspard Petit', 'camera').framesDecoded > dec1 + 10, { timeoutMs: 10_000 });

    await devices.getByLabel('Micro').selectOption({ label: 'Fake Audio Input 2' });
    await waitFor('the new microphone', () => gaspard.evaluate(() => window.visio.state() && document.querySelector('#meeting-mic').selectedOptions[0]?.textContent === 'Fake Audio Input 2'));
    await sleep(500);
    const a1 = from(await stats(odile), 'Gaspard Petit', 'microphone').packetsReceived;
    await sleep(1500);
    assert.ok(from(await stats(odile), 'Gaspard Petit', 'microphone').packetsReceived > a1 + 20, 'Odile keeps hearing Gaspard');

    const out = await devices.getByLabel('Haut-parleur').locator('option', { hasText: 'Fake Audio Output 1' }).getAttribute('value');
    await devices.getByLabel('Haut-parleur').selectOption({ label: 'Fake Audio Output 1' });
    await waitFor('remote audio on the chosen speaker', () => gaspard.evaluate((id) => [...document.querySelectorAll('.audio-sinks audio')].every((a) => a.sinkId === id), out), { timeoutMs: 5_000 });
    assert.equal(await gaspard.evaluate(() => JSON.parse(localStorage.getItem('visio.devices')).speakerId), out, 'the speaker is remembered');
    await devices.getByRole('button', { name: 'Fermer' }).click();

    // Odile pins Gaspard: his video takes the stage; unpinning gives the grid back.
    const tile = odile.getByRole('listitem', { name: 'Gaspard Petit', exact: true });
    await tile.hover();
    await odile.getByRole('button', { name: 'Épingler Gaspard Petit' }).click();
    const pinned = odile.getByRole('region', { name: 'Vidéo épinglée de Gaspard Petit' });
    await pinned.waitFor({ timeout: 5_000 });
    await waitFor('pinned video shown', () => pinned.locator('video').evaluate((v) => v.videoWidth > 0), { timeoutMs: 10_000 });
    await screenshot(odile, 'everyday-pinned-1280x800.png');
    await odile.setViewportSize({ width: 800, height: 600 });
    await sleep(500);
    await screenshot(odile, 'everyday-pinned-800x600.png');
    await odile.setViewportSize({ width: 1280, height: 800 });
    await odile.getByRole('button', { name: 'Désépingler Gaspard Petit' }).click();
    await pinned.waitFor({ state: 'hidden', timeout: 5_000 });

    // Full screen from the menu, and back with the shortcut.
    await odile.getByRole('button', { name: 'Plus d’options' }).click();
    await screenshot(odile, 'everyday-menu-1280x800.png');
    await odile.getByRole('button', { name: 'Plein écran' }).click();
    await waitFor('full screen', () => odile.evaluate(() => !!document.fullscreenElement), { timeoutMs: 5_000 });
    await odile.keyboard.press('Control+Shift+F');
    await waitFor('full screen left', () => odile.evaluate(() => !document.fullscreenElement), { timeoutMs: 5_000 });

    // Odile's room settings: rename, restrict, and Gaspard's role.
    await odile.getByRole('button', { name: 'Plus d’options' }).click();
    await odile.getByRole('button', { name: 'Paramètres de la réunion…' }).click();
    const settings = odile.getByRole('dialog', { name: 'Paramètres de la réunion' });
    await settings.waitFor({ timeout: 5_000 });
    const nameField = settings.getByLabel('Nom de la réunion');
    await waitFor('the room name loaded', async () => (await nameField.inputValue()) === 'Point hebdo');
    await nameField.fill('Point budget');
    await settings.getByLabel(/^Restreinte/).check();
    await settings.getByRole('button', { name: 'Enregistrer' }).click();
    await settings.getByText('Paramètres enregistrés').waitFor({ timeout: 5_000 });
    await waitFor('the header renamed', async () => (await odile.locator('.meeting-name').textContent()) === 'Point budget');
    // Gaspard is given a role by his e-mail address; an address nobody signed in with is refused.
    await settings.getByLabel('Adresse e-mail').fill('nobody@example.gouv.fr');
    await settings.getByRole('button', { name: 'Ajouter' }).click();
    await settings.getByText(/personne ne s’est encore connecté avec cette adresse/).waitFor({ timeout: 5_000 });
    await settings.getByLabel('Adresse e-mail').fill('Gaspard.Petit@example.gouv.fr');
    await settings.getByRole('button', { name: 'Ajouter' }).click();
    await settings.getByText('Gaspard Petit : Membre').waitFor({ timeout: 5_000 });
    const role = settings.getByLabel('Rôle de Gaspard Petit');
    await role.selectOption('administrator');
    await settings.getByText('Gaspard Petit : Administrateur·rice').waitFor({ timeout: 5_000 });
    await screenshot(odile, 'everyday-settings-1280x800.png');
    const api = await odile.evaluate(async (code) => ({
      room: await (await fetch(`/api/v1/rooms/${code}`)).json(),
      members: (await (await fetch(`/api/v1/rooms/${code}/roles`)).json()).members,
    }), room.code);
    assert.equal(api.room.name, 'Point budget');
    assert.equal(api.room.access, 'restricted');
    assert.equal(api.members.find((m) => m.user_id === gaspardId)?.role, 'administrator');
    await settings.getByRole('button', { name: 'Retirer Gaspard Petit' }).click();
    await settings.getByText('Personne d’autre n’a de rôle sur cette réunion.').waitFor({ timeout: 5_000 });
  } finally {
    await browser.close();
  }
});
