// A network blip cuts the signalling socket: the page says "Reconnexion…", resumes the same
// participant and media flows again. Then the server shuts down: the page says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { createRoom } from './signin.mjs';
import { startProxy } from './proxy.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

let server;
let proxy;
before(async () => {
  server = await startServer();
  proxy = await startProxy(server.url);
});
after(async () => {
  await proxy?.close();
  await server?.stop();
});

const framesFrom = async (page, name) => (await stats(page)).find((s) => s.participantName === name && s.source === 'camera')?.framesDecoded ?? 0;

test('reconnect after a network blip, then server shutdown', { timeout: 120_000 }, async () => {
  const browser = await launch();
  try {
    const { code } = await createRoom(server.url);
    const a = await person(browser, 'alice');
    const b = await person(browser, 'bruno');
    await a.goto(`${proxy.url}/${code}`);
    await joinFromPrejoin(a, 'Alice');
    await b.goto(`${server.url}/${code}`);
    await joinFromPrejoin(b, 'Bruno');
    await waitFor('Alice decodes Bruno', async () => (await framesFrom(a, 'Bruno')) > 0, { timeoutMs: 20_000 });
    await waitFor('Bruno decodes Alice', async () => (await framesFrom(b, 'Alice')) > 0, { timeoutMs: 20_000 });
    const idBefore = (await state(a)).self.id;
    const say = async (text) => {
      await b.getByLabel('Votre message').fill(text);
      await b.getByLabel('Votre message').press('Enter');
      await b.locator('#chat-panel .chat-text', { hasText: text }).waitFor({ timeout: 5_000 });
    };
    await b.getByRole('button', { name: /^Discussion/ }).click();
    await say('avant la coupure');
    await a.getByRole('button', { name: 'Discussion, 1 message(s) non lu(s)' }).waitFor({ timeout: 5_000 });

    // Cut Alice's socket and refuse reconnection for 1.5 s; Bruno writes meanwhile.
    proxy.blip(1500);
    await a.getByRole('status').filter({ hasText: 'Reconnexion…' }).waitFor({ timeout: 10_000 });
    await say('pendant la coupure');
    await screenshot(a, 'reconnecting.png');
    await waitFor('Alice reconnected', async () => (await state(a)).connection === 'connected', { timeoutMs: 20_000 });
    const after = await state(a);
    assert.equal(after.self.id, idBefore, 'the same participant is resumed');
    assert.equal(after.participants.length, 1);
    // The chat: what was said while away arrives once, nothing twice.
    await a.getByRole('button', { name: 'Discussion, 2 message(s) non lu(s)' }).click();
    await waitFor('the chat after resume', async () => (await a.locator('#chat-panel .chat-text').count()) === 2, { timeoutMs: 5_000 });
    assert.deepEqual(await a.locator('#chat-panel .chat-text').allTextContents(), ['avant la coupure', 'pendant la coupure']);

    // Media flows both ways after the ICE restarts.
    const fa = await framesFrom(a, 'Bruno');
    const fb = await framesFrom(b, 'Alice');
    await waitFor('media after resume', async () => (await framesFrom(a, 'Bruno')) > fa + 5 && (await framesFrom(b, 'Alice')) > fb + 5, { timeoutMs: 15_000 });
    const bState = await state(b);
    assert.equal(bState.participants.length, 1, 'Bruno still sees exactly one Alice');

    // Back online after going offline (a change of network, Wi-Fi to 4G): the page does not
    // wait for its pings to fail; it reconnects at once and resumes its place.
    const joins = async () => Number((await (await fetch(`${server.url}/metrics`)).text()).match(/^visio_signal_messages_total\{type="join"\} (\S+)$/m)?.[1] ?? 0);
    const joinsBefore = await joins();
    await a.context().setOffline(true);
    await a.context().setOffline(false);
    await waitFor('Alice rejoined at once after coming back online', async () => (await joins()) > joinsBefore && (await state(a)).connection === 'connected', { timeoutMs: 8_000 });
    assert.equal((await state(a)).self.id, idBefore, 'the same participant is resumed after the network change');

    // The server shuts down: Bruno is told, with a retry button.
    await server.stop();
    await waitFor('Bruno told about the shutdown', async () => {
      const text = (await b.getByRole('status').textContent()) ?? '';
      return /Session terminée/.test(text) && text;
    }, { timeoutMs: 10_000 });
    console.log('after shutdown Bruno sees: ' + (await b.getByRole('status').textContent()));
    await sleep(200);
    await screenshot(b, 'server-shutdown.png');
  } finally {
    await browser.close();
  }
});
