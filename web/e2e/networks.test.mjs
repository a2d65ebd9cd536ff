// Meetings on networks that block UDP, with real browsers. The server runs in one network
// namespace and Chromium in another, joined by a virtual Ethernet pair; nftables in Chromium's
// namespace then blocks what a ministry firewall or a hotel network would:
//
//   open      nothing blocked (the reference: direct UDP)
//   no UDP    all UDP between the browser and the server dropped: ICE over TCP or the relay
//   only 443  everything but TCP 443 dropped: the relay over TLS on the HTTPS port
//   blocked   only 443, and the server offers no relay: the page says media cannot get through
//
// and the connection test page, with only 443 open, finds the relay over TLS and nothing else.
//
// In each meeting Bruno watches Alice: his browser must decode her video. The time from Bruno's
// click on "Rejoindre" to his first decoded frame of hers is printed for each, and the server's
// visio_sfu_connections_total says which transport carried it. Root only (namespaces, nftables:
// apt-get install nftables); skipped otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, saveLog } from './server.mjs';
import { createRoom } from './signin.mjs';
import { launch, waitFor, joinFromPrejoin, stats, screenshot } from './browser.mjs';

const inside = process.env.VISIO_NET_SERVER_NS;
const serverIP = '10.77.0.1';
const clientIP = '10.77.0.2';

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

if (!inside) {
  test('meetings through blocking networks (Chromium and the server in network namespaces)', { timeout: 420_000 }, (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root, to make network namespaces and filter them with nftables');
      return;
    }
    if (spawnSync('nft', ['--version']).status !== 0) {
      t.skip('needs nftables (apt-get install nftables)');
      return;
    }
    const srv = `visio-srv-${process.pid}`;
    const cli = `visio-cli-${process.pid}`;
    if (spawnSync('ip', ['netns', 'add', srv]).status !== 0) {
      t.skip('this kernel does not let us make a network namespace');
      return;
    }
    try {
      run('ip', ['netns', 'add', cli]);
      const vs = `vs${process.pid}`.slice(0, 15);
      const vc = `vc${process.pid}`.slice(0, 15);
      run('ip', ['link', 'add', vs, 'type', 'veth', 'peer', 'name', vc]);
      run('ip', ['link', 'set', vs, 'netns', srv]);
      run('ip', ['link', 'set', vc, 'netns', cli]);
      for (const [ns, dev, ip] of [[srv, vs, serverIP], [cli, vc, clientIP]]) {
        run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
        run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', dev]);
        run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', dev, 'up']);
      }
      const env = { ...process.env, VISIO_NET_SERVER_NS: srv, VISIO_NET_IFACE: vc, NODE_TLS_REJECT_UNAUTHORIZED: '0' };
      delete env.NODE_TEST_CONTEXT; // a test run of its own, not a child of this one
      const r = spawnSync('ip', ['netns', 'exec', cli, process.execPath, '--test', fileURLToPath(import.meta.url)], {
        env, encoding: 'utf8', timeout: 400_000,
      });
      for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) if (/observed|not ok|rror|expected|actual/.test(line)) console.log(line);
      assert.equal(r.status, 0, 'the test inside the namespaces failed');
    } finally {
      spawnSync('ip', ['netns', 'del', cli]);
      spawnSync('ip', ['netns', 'del', srv]);
    }
  });
} else {
  const iface = process.env.VISIO_NET_IFACE;
  const rules = {
    open: '',
    'no UDP': `table inet visio {
      chain out { type filter hook output priority 0; policy accept; oifname "${iface}" meta l4proto udp drop; }
      chain in { type filter hook input priority 0; policy accept; iifname "${iface}" meta l4proto udp drop; }
    }`,
    'only 443': `table inet visio {
      chain out { type filter hook output priority 0; policy accept; oifname "${iface}" tcp dport 443 accept; oifname "${iface}" drop; }
      chain in { type filter hook input priority 0; policy accept; iifname "${iface}" tcp sport 443 accept; iifname "${iface}" drop; }
    }`,
  };
  const setRules = (name) => {
    run('nft', ['flush', 'ruleset']);
    if (rules[name]) run('nft', ['-f', '-'], rules[name]);
  };

  /** The server in its namespace, serving HTTPS on 443 with a certificate made for the test. */
  async function server(dir, env = {}) {
    return startServer({
      prefix: ['ip', 'netns', 'exec', process.env.VISIO_NET_SERVER_NS],
      args: ['serve', '--http-addr', `${serverIP}:443`, '--udp-port', '0', '--tcp-port', '0', '--turn-port', '0'],
      env: {
        VISIO_HTTP_TLS_CERT: path.join(dir, 'cert.pem'), VISIO_HTTP_TLS_KEY: path.join(dir, 'key.pem'),
        VISIO_MEDIA_INCLUDE_LOOPBACK: 'false', VISIO_STORE_DATA_DIR: fs.mkdtempSync(path.join(dir, 'data-')), ...env,
      },
    });
  }

  async function connections(url) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const out = {};
    for (const m of text.matchAll(/^visio_sfu_connections_total\{transport="([^"]+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
    return out;
  }

  /** Alice publishes, Bruno joins; returns ms from Bruno's join to his first frame of Alice. */
  async function meeting(browser, url, label, { expectMedia = true } = {}) {
    const { code } = await createRoom(url);
    const ctx = (who) => browser.newContext({ viewport: { width: 640, height: 480 }, permissions: ['camera', 'microphone'], locale: 'fr-FR', ignoreHTTPSErrors: true }).then(async (c) => {
      const p = await c.newPage();
      p.on('pageerror', (err) => console.log(`[${who}] page error: ${err.message}`));
      return p;
    });
    const a = await ctx('alice');
    const b = await ctx('bruno');
    try {
      await a.goto(`${url}/${code}`);
      await joinFromPrejoin(a, 'Alice');
      await b.goto(`${url}/${code}`);
      const t0 = Date.now();
      await joinFromPrejoin(b, 'Bruno');
      if (!expectMedia) return { b, t0 };
      await waitFor(`Bruno decoding Alice's video (${label})`, async () => {
        const s = (await stats(b)).find((x) => x.participantName === 'Alice' && x.source === 'camera');
        return s?.framesDecoded > 0;
      }, { timeoutMs: 45_000 });
      return { ms: Date.now() - t0 };
    } finally {
      if (expectMedia) {
        await a.context().close();
        await b.context().close();
      }
    }
  }

  test('inside: UDP, no UDP, only 443, and blocked', { timeout: 380_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visio-net-'));
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${serverIP}`, '-addext', `subjectAltName=IP:${serverIP}`, '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    const browser = await launch({ extraArgs: ['--ignore-certificate-errors'] });
    let srv = null;
    try {
      srv = await server(dir);
      const times = {};
      for (const [name, want] of [['open', ['udp']], ['no UDP', ['tcp', 'turn/udp', 'turn/tcp', 'turn/tls']], ['only 443', ['turn/tls']]]) {
        setRules('open');
        const before = await connections(srv.url);
        setRules(name);
        const { ms } = await meeting(browser, srv.url, name);
        setRules('open');
        const after = await connections(srv.url);
        const used = Object.entries(after).filter(([k, v]) => v > (before[k] ?? 0)).map(([k, v]) => `${k} ${v - (before[k] ?? 0)}`);
        times[name] = ms;
        console.log(`observed: ${name}: first remote frame ${ms} ms after joining; connections by transport: ${used.join(', ')}`);
        const usedKinds = used.map((u) => u.split(' ')[0]);
        assert.ok(usedKinds.length > 0 && usedKinds.every((k) => want.includes(k)), `${name}: transports ${used.join(', ')}, want only ${want.join(' or ')}`);
      }
      console.log(`observed: time to first remote frame: UDP ${times.open} ms, no UDP ${times['no UDP']} ms, only TCP 443 ${times['only 443']} ms`);

      // The connection test, on the network that allows only 443, tells what gets through.
      setRules('only 443');
      const ctx = await browser.newContext({ viewport: { width: 900, height: 1100 }, permissions: ['camera', 'microphone'], locale: 'fr-FR', ignoreHTTPSErrors: true });
      const page = await ctx.newPage();
      await page.goto(`${srv.url}/connection-test`);
      await page.getByRole('button', { name: 'Lancer le test' }).click();
      await page.getByRole('button', { name: 'Relancer le test' }).waitFor({ timeout: 150_000 });
      const rows = await page.$$eval('dd[data-check]', (els) => Object.fromEntries(els.map((e) => [e.dataset.check, e.dataset.state])));
      console.log(`observed: connection test with only 443 open: ${JSON.stringify(rows)}`);
      assert.deepEqual(rows, { udp: 'failed', tcp: 'failed', 'turn-udp': 'failed', 'turn-tcp': 'failed', 'turn-tls': 'ok', camera: 'ok', microphone: 'ok' });
      assert.match(await page.locator('.nettest-verdict').textContent(), /le relais du serveur fonctionne/);
      await screenshot(page, 'networks-nettest-443.png');
      await ctx.close();
      setRules('open');
      await srv.stop();
      saveLog('networks-server.log', srv.log());

      // No relay and nothing but 443: the meeting says audio and video cannot get through.
      srv = await server(dir, { VISIO_TURN_MODE: 'off' });
      setRules('only 443');
      const { b } = await meeting(browser, srv.url, 'blocked', { expectMedia: false });
      const alert = b.getByRole('alert').filter({ hasText: 'Le son et la vidéo ne passent pas' });
      await alert.waitFor({ timeout: 45_000 });
      const text = await alert.textContent();
      console.log(`observed: blocked: ${text}`);
      assert.match(text, /Chemins essayés : directe en UDP, directe en TCP/);
      await alert.getByRole('link', { name: 'Tester ma connexion' }).waitFor();
      await screenshot(b, 'networks-blocked.png');
    } finally {
      setRules('open');
      await browser.close();
      if (srv) {
        await srv.stop();
        saveLog('networks-server-blocked.log', srv.log());
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
