// Starts the visio server binary for end-to-end tests and stops it afterwards.
//
// The binary comes from $VISIO_BIN, default ../bin/visio relative to web/. It listens on a random
// loopback port and announces "visio: listening on http://127.0.0.1:PORT" on stdout.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifactsDir = path.join(webDir, 'e2e', 'artifacts');

/** Path of the server binary under test. */
export function serverBinary() {
  return process.env.VISIO_BIN ? path.resolve(process.env.VISIO_BIN) : path.resolve(webDir, '..', 'bin', 'visio');
}

/**
 * Starts the server and resolves once it listens.
 * @returns {Promise<{url: string, stop: () => Promise<void>, kill: () => void, log: () => string}>}
 */
export async function startServer({ timeoutMs = 15_000, extraArgs = [], args: own = null, env = {}, prefix = [] } = {}) {
  const bin = serverBinary();
  if (!fs.existsSync(bin)) throw new Error(`visio server binary not found at ${bin} (build it with: go build -o bin/visio ./cmd/visio, or set VISIO_BIN)`);
  // own replaces the loopback arguments; prefix runs the server through another command
  // (ip netns exec NAME).
  const args = own ?? ['serve', '--http-addr', '127.0.0.1:0', '--udp-port', '0', '--tcp-port', '0', '--turn-port', '0', '--ice-loopback-only', ...extraArgs];
  const [cmd, ...cmdArgs] = [...prefix, bin, ...args];
  // Each server keeps its data (database, key) in a directory of its own, removed when it stops,
  // unless the test gives one: never the user's default data directory.
  const ownData = env.VISIO_STORE_DATA_DIR ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'visio-e2e-'));
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(ownData ? { VISIO_STORE_DATA_DIR: ownData } : {}), ...env } });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not announce its address within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = output.match(/listening on (https?:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  child.stdout.on('data', (c) => (output += c.toString()));
  child.stderr.on('data', (c) => (output += c.toString()));
  child.removeAllListeners('exit');
  if (ownData) child.once('exit', () => fs.rmSync(ownData, { recursive: true, force: true }));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  /** Kills the process at once (SIGKILL), as a crash would. */
  const kill = () => child.kill('SIGKILL');
  return { url, stop, kill, log: () => output };
}

/** Saves the server log next to the screenshots. */
export function saveLog(name, text) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(path.join(artifactsDir, name), text);
}
