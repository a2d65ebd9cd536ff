// An unknown meeting code shows "this meeting does not exist" with a way home.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, person, screenshot } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('unknown meeting code', { timeout: 60_000 }, async () => {
  const browser = await launch();
  try {
    const page = await person(browser, 'visitor');
    await page.goto(server.url + '/zzz-zzzz-zzz');
    await page.getByRole('heading', { name: 'Cette réunion n’existe pas' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'not-found.png');
    await page.getByRole('link', { name: 'Retour à l’accueil' }).click();
    await page.getByRole('heading', { name: 'Créer une réunion' }).waitFor({ timeout: 5_000 });
    assert.equal(new URL(page.url()).pathname, '/');

    // Same in English.
    await page.goto(server.url + '/xyz-wxyz-xyz?lang=en');
    await page.getByRole('heading', { name: 'This meeting does not exist' }).waitFor({ timeout: 10_000 });
    // The choice is remembered.
    await page.goto(server.url + '/qqq-qqqq-qqq');
    await page.getByRole('heading', { name: 'This meeting does not exist' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Passer en français' }).click();
    await page.getByRole('heading', { name: 'Cette réunion n’existe pas' }).waitFor({ timeout: 5_000 });
  } finally {
    await browser.close();
  }
});
