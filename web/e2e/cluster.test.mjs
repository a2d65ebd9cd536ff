// Two nodes behind their own failover proxies, one meeting: Alice's connections go to node 1
// first, Bruno's to node 2, so they meet across nodes (one of them relayed to the meeting's node).
// Alice owns the room (trusted: signed-in people enter, guests wait); Chloé, a guest, waits in
// the lobby. Then the meeting's node is killed (SIGKILL): both pages come back by themselves on
// the other node and see each other again, and Chloé's page knocks again by itself and is back
// in Alice's lobby, from where Alice lets her in on the new node. Needs Debian's nats-server and
// the test PostgreSQL (VISIO_TEST_POSTGRES_URL, which .ci/run provides).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, saveLog } from './server.mjs';
import { signInPage } from './signin.mjs';
import { launch, person, waitFor, joinFromPrejoin, state, stats, screenshot } from './browser.mjs';

const natsBin = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => fs.existsSync(p));
const pgURL = process.env.VISIO_TEST_POSTGRES_URL;
const missing = !natsBin ? 'nats-server (apt-get install nats-server)' : !pgURL ? 'VISIO_TEST_POSTGRES_URL (eval "$(scripts/postgres-test.sh start)")' : '';
if (missing && process.env.CI === 'true') throw new Error(`cluster browser test: ${missing} is missing`);

let dir, nats, schema;
const nodes = [];
const proxies = [];

/** A free loopback TCP port. */
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

/** A proxy that sends each connection to the first of targets that accepts it. */
async function failoverProxy(targets) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    const attempt = (i) => {
      if (i >= targets.length) return client.destroy();
      const t = new URL(targets[i].url);
      const upstream = net.connect(Number(t.port), t.hostname);
      upstream.once('error', () => attempt(i + 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        sockets.add(upstream);
        upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve); }),
  };
}

/** visio_participants on a node, or -1 if it does not answer. */
async function participants(node) {
  try {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    return Number(text.match(/^visio_participants (\S+)$/m)?.[1] ?? -1);
  } catch {
    return -1;
  }
}

before(async () => {
  if (missing) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visio-cluster-'));
  const natsPort = await freePort();
  nats = spawn(natsBin, ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', path.join(dir, 'nats')], { stdio: 'ignore' });
  schema = `e2e_cluster_${process.pid}`;
  execFileSync('psql', [pgURL, '-q', '-c', `CREATE SCHEMA ${schema}`]);
  const db = new URL(pgURL);
  db.searchParams.set('search_path', schema);
  for (const i of [1, 2]) {
    const conf = path.join(dir, `node-${i}.toml`);
    fs.writeFileSync(conf, `
[store]
driver = "postgres"
postgres_url = ${JSON.stringify(db.toString())}
data_dir = ${JSON.stringify(path.join(dir, `node-${i}`))}
[auth]
key_file = ${JSON.stringify(path.join(dir, 'auth.key'))}
[cluster]
nats_url = "nats://127.0.0.1:${natsPort}"
node_id = "node-${i}"
heartbeat = "250ms"
dead_after = "2s"
`);
    nodes.push(await startServer({ extraArgs: ['--config', conf] }));
  }
  proxies.push(await failoverProxy([nodes[0], nodes[1]]), await failoverProxy([nodes[1], nodes[0]]));
});

after(async () => {
  for (const p of proxies) await p.close();
  for (const [i, n] of nodes.entries()) {
    saveLog(`cluster-node-${i + 1}.log`, n.log());
    await n.stop();
  }
  nats?.kill('SIGTERM');
  if (schema) execFileSync('psql', [pgURL, '-q', '-c', `SET client_min_messages = warning; DROP SCHEMA ${schema} CASCADE`]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Frames decoded from name's camera, by receiving track. */
const framesFrom = async (page, name) => new Map((await stats(page)).filter((s) => s.participantName === name && s.source === 'camera').map((s) => [s.trackId, s.framesDecoded ?? 0]));
/** Whether some track of name's camera decoded more than 10 frames since the snapshot before. */
const moreFrames = async (page, name, before) => [...(await framesFrom(page, name))].some(([id, n]) => n > (before.get(id) ?? 0) + 10);
const anyFrames = async (page, name) => [...(await framesFrom(page, name)).values()].some((n) => n > 0);

test('a meeting across two nodes survives the loss of its node', { timeout: 180_000, skip: missing ? `needs ${missing}` : false }, async () => {
  const browser = await launch();
  try {
    const a = await person(browser, 'alice');
    const b = await person(browser, 'bruno');
    const c = await person(browser, 'chloe');
    await signInPage(a, proxies[0].url, 'Alice', 'alice@example.gouv.fr');
    await signInPage(b, proxies[1].url, 'Bruno', 'bruno@example.gouv.fr');
    const { code } = await a.evaluate(async () => {
      const res = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access: 'trusted' }) });
      return res.json();
    });
    await a.goto(`${proxies[0].url}/${code}`);
    await joinFromPrejoin(a, 'Alice');
    await b.goto(`${proxies[1].url}/${code}`);
    await joinFromPrejoin(b, 'Bruno');
    await waitFor('Alice decodes Bruno', () => anyFrames(a, 'Bruno'), { timeoutMs: 30_000 });
    await waitFor('Bruno decodes Alice', () => anyFrames(b, 'Alice'), { timeoutMs: 30_000 });

    // Chloé, a guest, waits in the lobby; Alice is told.
    await c.goto(`${proxies[0].url}/${code}`);
    await c.getByRole('heading', { name: 'Prêt à rejoindre ?' }).waitFor({ timeout: 10_000 });
    await c.waitForSelector('body[data-devices=ready]', { timeout: 10_000 });
    await c.getByLabel('Votre nom').fill('Chloé');
    await c.getByRole('button', { name: 'Rejoindre', exact: true }).click();
    await c.getByRole('heading', { name: 'En attente d’admission' }).waitFor({ timeout: 10_000 });
    await a.getByText('Chloé (invité·e) demande à rejoindre la réunion').waitFor({ timeout: 10_000 });

    const counts = await Promise.all(nodes.map(participants));
    const holder = counts.indexOf(2);
    assert.ok(holder >= 0, `one node holds the meeting (participants per node: ${counts})`);
    console.log(`meeting on node-${holder + 1}; Alice enters through node-1, Bruno through node-2`);

    const fa = await framesFrom(a, 'Bruno');
    const fb = await framesFrom(b, 'Alice');
    const killedAt = Date.now();
    nodes[holder].kill();
    await waitFor('both pages seeing each other again', async () => (await moreFrames(a, 'Bruno', fa)) && (await moreFrames(b, 'Alice', fb)), { timeoutMs: 60_000 });
    console.log(`metric: browser meeting back on node-${2 - holder} ${Date.now() - killedAt} ms after its node was killed`);
    assert.equal(await participants(nodes[1 - holder]), 2, 'the surviving node holds both participants');
    await screenshot(a, 'cluster-after-failover.png');

    // Chloé's page knocked again by itself: still waiting, and back in Alice's lobby.
    assert.equal((await state(c)).connection, 'lobby');
    await a.getByRole('button', { name: /Salle d’attente \(1\)/ }).first().click();
    const lobby = a.getByRole('region', { name: /Participants/ }).getByRole('region', { name: /Salle d’attente/ });
    await lobby.getByText('Chloé').waitFor({ timeout: 20_000 });
    await screenshot(a, 'cluster-lobby-after-failover.png');
    await lobby.getByRole('button', { name: 'Admettre Chloé' }).click();
    await waitFor('Chloé let in on the new node', async () => (await state(c)).connection === 'connected', { timeoutMs: 20_000 });
    assert.equal(await participants(nodes[1 - holder]), 3, 'the surviving node holds the three participants');
  } finally {
    await browser.close();
  }
});
