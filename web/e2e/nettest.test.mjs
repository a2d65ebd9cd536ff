// The connection test page with a real browser: reachable from the home page by keyboard (and
// from the pre-join screen, in a new tab), it checks UDP, TCP and the relay (UDP, TCP; TLS is not
// offered by this server) against the server, the camera and the microphone, and gives a result
// to copy for IT support.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, screenshot } from './browser.mjs';

test('connection test page: every way to the server, devices, and a copyable result', { timeout: 120_000 }, async () => {
  const server = await startServer();
  const browser = await launch();
  try {
    const page = await person(browser, 'tester', { lang: 'en' });
    await page.goto(`${server.url}/?lang=en`);
    const link = page.getByRole('link', { name: 'Test my connection' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Connection test' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Start the test' }).click();
    await page.getByRole('button', { name: 'Run the test again' }).waitFor({ timeout: 90_000 });
    const rows = await page.$$eval('dd[data-check]', (els) => Object.fromEntries(els.map((e) => [e.dataset.check, `${e.dataset.state} ${e.textContent}`])));
    console.log('observed: connection test:', JSON.stringify(rows));
    for (const id of ['udp', 'tcp', 'turn-udp', 'turn-tcp', 'camera', 'microphone']) {
      assert.match(rows[id], /^ok /, `${id}: ${rows[id]}`);
    }
    assert.match(rows['turn-tls'], /^skipped /, 'TURN over TLS is not offered without a certificate');
    const report = await page.getByLabel('Result to send to your IT support').inputValue();
    assert.match(report, /Direct connection \(UDP\): works, round trip \d+ ms \[host udp\]/);
    assert.match(report, /Direct connection \(TCP\): works, round trip \d+ ms \[(host|prflx) tcp\]/); // an active TCP candidate is learnt from its first check
    assert.match(report, /Relay \(TURN over UDP\): works.*\[relay udp via udp\]/);
    assert.match(await page.locator('.nettest-verdict').textContent(), /lets you take part/);
    await page.setViewportSize({ width: 900, height: 1100 });
    await screenshot(page, 'nettest.png');
    await page.goto(`${server.url}/connection-test?lang=fr`);
    await page.getByRole('heading', { name: 'Test de connexion' }).waitFor({ timeout: 10_000 });
    // From the pre-join screen, the test opens in a new tab: the preview stays.
    const { code } = await createRoom(server.url);
    await page.goto(`${server.url}/${code}`);
    await page.getByRole('heading', { name: 'Prêt à rejoindre ?' }).waitFor({ timeout: 10_000 });
    const prejoinLink = page.getByRole('link', { name: 'Tester ma connexion' });
    assert.equal(await prejoinLink.getAttribute('href'), '/connection-test');
    assert.equal(await prejoinLink.getAttribute('target'), '_blank');
    await page.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
    await screenshot(page, 'prejoin-nettest-link.png');
  } finally {
    await browser.close();
    await server.stop();
    saveLog('nettest-server.log', server.log());
  }
});
