// Camera and microphone refused: the pre-join screen says so, and joining still works (listen-only).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('blocked devices: clear message, listen-only join', { timeout: 90_000 }, async () => {
  // Without --use-fake-ui-for-media-stream and with no permission granted, Chromium refuses.
  const blockedBrowser = await launch({ fakeUi: false });
  const browser = await launch();
  try {
    const { code } = await createRoom(server.url);

    const listener = await person(blockedBrowser, 'listener', { permissions: [] });
    await listener.goto(`${server.url}/${code}`);
    await listener.getByRole('alert').filter({ hasText: 'Votre navigateur bloque l’accès à la caméra et au micro' }).waitFor({ timeout: 10_000 });
    await screenshot(listener, 'prejoin-blocked.png');
    assert.ok(await listener.getByRole('button', { name: 'Rejoindre', exact: true }).isEnabled());
    await joinFromPrejoin(listener, 'Dominique');

    const speaker = await person(browser, 'speaker');
    await speaker.goto(`${server.url}/${code}`);
    await joinFromPrejoin(speaker, 'Élise');

    // The speaker sees the listener's tile (no video, muted microphone) ...
    const tile = speaker.getByRole('listitem', { name: 'Dominique', exact: true });
    await tile.waitFor({ timeout: 10_000 });
    await tile.getByRole('img', { name: 'Micro coupé' }).waitFor({ timeout: 5_000 });
    // ... and the listener sees the speaker's tile.
    await listener.getByRole('listitem', { name: 'Élise', exact: true }).waitFor({ timeout: 10_000 });
    const s = await state(listener);
    assert.equal(s.self.micOn, false);
    assert.equal(s.self.camOn, false);

    // Video and audio reach the listener.
    await waitFor(
      'listener to receive video and audio',
      async () => {
        const all = await stats(listener);
        return all.some((t) => t.source === 'camera' && t.framesDecoded > 0) && all.some((t) => t.source === 'microphone' && t.totalSamplesReceived > 0);
      },
      { timeoutMs: 15_000 },
    );
    await screenshot(listener, 'meeting-listen-only.png');
  } finally {
    await blockedBrowser.close();
    await browser.close();
  }
});
