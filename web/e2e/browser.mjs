// Chromium helpers for end-to-end tests: headless Debian Chromium with fake camera and microphone.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { artifactsDir } from './server.mjs';

const baseFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** Launches Chromium. fakeUi: auto-accept camera, microphone and screen prompts. */
export function launch({ fakeUi = true, extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...baseFlags, ...(fakeUi ? ['--use-fake-ui-for-media-stream'] : []), ...extraArgs],
  });
}

/** One person: a fresh context (own storage) and page at 640x480. */
export async function person(browser, label, { permissions = ['camera', 'microphone'], lang = 'fr' } = {}) {
  const context = await browser.newContext({ viewport: { width: 640, height: 480 }, permissions, locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`[${label}] page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') console.log(`[${label}] console.${msg.type()}: ${msg.text()}`);
  });
  return page;
}

/** Polls fn until it returns a truthy value, or throws after timeoutMs with the last value. */
export async function waitFor(what, fn, { timeoutMs = 15_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.stack : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** On the pre-join screen: waits for devices, types the name and clicks "Rejoindre". */
export async function joinFromPrejoin(page, name) {
  await page.getByRole('heading', { name: 'Prêt à rejoindre ?' }).waitFor({ timeout: 10_000 });
  await page.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
  const nameInput = page.getByLabel('Votre nom');
  // Signed-in people have their name from their identity (read-only).
  if (await nameInput.isEditable()) await nameInput.fill(name);
  await page.getByRole('button', { name: 'Rejoindre', exact: true }).click();
  await waitFor(`${name} connected`, () => page.evaluate(() => window.visio?.state().connection === 'connected'));
}

export const state = (page) => page.evaluate(() => window.visio.state());
export const stats = (page) => page.evaluate(() => window.visio.stats());

/** Saves a screenshot into e2e/artifacts/. */
export async function screenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, name) });
}
