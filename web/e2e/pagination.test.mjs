// On a small window the grid shows two tiles per page: Bruno sees himself and one other person
// on page 1, the third on page 2. Off-page tiles are not rendered and their video is not sent
// (`subscribe` visible:false); whoever starts speaking is brought to the first page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, person, waitFor, sleep, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  if (server) saveLog('pagination-server.log', server.log());
});

const framesFrom = async (page, name) => (await stats(page)).find((s) => s.participantName === name && s.source === 'camera')?.framesDecoded ?? 0;

/** The subscription Bruno last sent for the camera of `name`. */
async function subscriptionOf(page, name) {
  const s = await state(page);
  const trackId = s.participants.find((p) => p.name === name)?.tracks.find((t) => t.source === 'camera')?.id;
  return s.subscriptions.tracks.find((t) => t.track_id === trackId);
}

async function muteMic(page) {
  await page.getByRole('button', { name: 'Couper le micro' }).click();
  await page.getByRole('button', { name: 'Activer le micro' }).waitFor({ timeout: 5_000 });
}

test('pages of the grid: off-page video is not sent, a speaker comes to page 1', { timeout: 150_000 }, async () => {
  const browser = await launch();
  try {
    const { code } = await createRoom(server.url);
    const pages = { a: await person(browser, 'alice'), c: await person(browser, 'chloe'), b: await person(browser, 'bruno') };
    const names = { a: 'Alice', c: 'Chloé' };
    for (const k of ['a', 'c']) {
      await pages[k].goto(`${server.url}/${code}`);
      await joinFromPrejoin(pages[k], names[k]);
      await muteMic(pages[k]); // nobody speaks: the order of the pages stays put
    }
    const b = pages.b;
    await b.setViewportSize({ width: 360, height: 260 });
    await b.goto(`${server.url}/${code}`);
    await joinFromPrejoin(b, 'Bruno');
    await muteMic(b);

    await b.getByRole('status').filter({ hasText: 'Page 1 sur 2' }).waitFor({ timeout: 10_000 });
    const tiles = () => b.getByRole('listitem').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    const page1 = await tiles();
    assert.equal(page1.length, 2, `two tiles on page 1: ${page1}`);
    const first = page1.find((n) => n !== 'Bruno (vous)');
    const second = first === 'Alice' ? 'Chloé' : 'Alice';
    console.log(`observed: page 1 shows ${JSON.stringify(page1)}; ${second} is on page 2`);

    await screenshot(b, 'pagination-page1.png');

    // The off-page camera is reported invisible and the server stops sending it.
    await waitFor(`Bruno decodes ${first}`, async () => (await framesFrom(b, first)) > 0, { timeoutMs: 20_000 });
    await waitFor(`${second} reported invisible`, async () => (await subscriptionOf(b, second))?.visible === false);
    await waitFor(`${first} reported visible`, async () => (await subscriptionOf(b, first))?.visible === true);
    await sleep(1000);
    const hidden1 = await framesFrom(b, second);
    const shown1 = await framesFrom(b, first);
    await sleep(2000);
    const hidden2 = await framesFrom(b, second);
    const shown2 = await framesFrom(b, first);
    console.log(`observed: over 2 s Bruno decoded ${shown2 - shown1} frames of ${first} (page 1) and ${hidden2 - hidden1} of ${second} (page 2)`);
    assert.ok(shown2 > shown1, `${first} keeps decoding`);
    assert.ok(hidden2 - hidden1 <= 1, `no video of ${second} while on another page (${hidden1} -> ${hidden2})`);

    // Next page, from the keyboard.
    await b.getByRole('button', { name: 'Page suivante' }).focus();
    await b.keyboard.press('Enter');
    await b.getByRole('status').filter({ hasText: 'Page 2 sur 2' }).waitFor({ timeout: 5_000 });
    await b.getByRole('listitem', { name: second, exact: true }).waitFor({ timeout: 5_000 });
    assert.equal(await b.getByRole('listitem', { name: first, exact: true }).count(), 0, `${first} is not rendered on page 2`);
    const t0 = Date.now();
    await waitFor(`${second} video on page 2`, async () => (await framesFrom(b, second)) > hidden2 + 5, { timeoutMs: 10_000 });
    console.log(`observed: ${second}'s video resumed ${Date.now() - t0} ms after turning the page`);
    await waitFor(`${first} reported invisible`, async () => (await subscriptionOf(b, first))?.visible === false);
    await screenshot(b, 'pagination-page2.png');
    await b.getByRole('button', { name: 'Page précédente' }).click();
    await b.getByRole('status').filter({ hasText: 'Page 1 sur 2' }).waitFor({ timeout: 5_000 });

    // The person on page 2 speaks: she moves to page 1.
    const speaker = second === 'Alice' ? pages.a : pages.c;
    await speaker.getByRole('button', { name: 'Activer le micro' }).click();
    const t1 = Date.now();
    await b.getByRole('listitem', { name: second, exact: true }).waitFor({ timeout: 10_000 });
    const s = await state(b);
    console.log(`observed: ${second} on page 1 ${Date.now() - t1} ms after unmuting; speakers=${JSON.stringify(s.speakers)}`);
    await screenshot(b, 'pagination-speaker.png');
  } finally {
    await browser.close();
  }
});
