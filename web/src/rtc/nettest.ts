// The connection test's checks: can this browser reach the media server directly over UDP and
// TCP, and through its relay over UDP, TCP and TLS? Each check opens a peer connection with one
// data channel, which the server answers with candidates of one kind only (POST
// /api/v1/connection-test) and echoes: the round trip is timed on it.

export type NetCheckId = 'udp' | 'tcp' | 'turn-udp' | 'turn-tcp' | 'turn-tls';
export const netChecks: readonly NetCheckId[] = ['udp', 'tcp', 'turn-udp', 'turn-tcp', 'turn-tls'];

export interface NetResult {
  id: NetCheckId;
  state: 'ok' | 'failed' | 'skipped';
  /** Median round trip over the data channel, in milliseconds. */
  rttMs: number | null;
  /** The local candidate that carried the check (type, protocol, relay protocol), for support. */
  via: string;
}

const connectTimeoutMs = 10_000;
const gatherTimeoutMs = 5_000;
const pings = 5;

/** The relay's addresses with test credentials. */
export async function fetchTestServers(): Promise<RTCIceServer[]> {
  const resp = await fetch('/api/v1/connection-test', { credentials: 'same-origin' });
  if (!resp.ok) throw new Error(`connection test: ${resp.status}`);
  const body = (await resp.json()) as { ice_servers?: RTCIceServer[] };
  return body.ice_servers ?? [];
}

/** The URLs of servers that match keep, with their credentials. */
function only(servers: RTCIceServer[], keep: (url: string) => boolean): RTCIceServer[] {
  const out: RTCIceServer[] = [];
  for (const s of servers) {
    const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter(keep);
    if (urls.length) out.push({ ...s, urls });
  }
  return out;
}

function configFor(id: NetCheckId, servers: RTCIceServer[]): { config: RTCConfiguration; network: 'udp' | 'tcp' } | null {
  const relay = (keep: (u: string) => boolean) => {
    const iceServers = only(servers, keep);
    return iceServers.length ? { config: { iceServers, iceTransportPolicy: 'relay' as const }, network: 'udp' as const } : null;
  };
  switch (id) {
    case 'udp':
      return { config: { iceServers: [] }, network: 'udp' };
    case 'tcp':
      return { config: { iceServers: [] }, network: 'tcp' };
    case 'turn-udp':
      return relay((u) => u.startsWith('turn:') && u.endsWith('transport=udp'));
    case 'turn-tcp':
      return relay((u) => u.startsWith('turn:') && u.endsWith('transport=tcp'));
    case 'turn-tls':
      return relay((u) => u.startsWith('turns:'));
  }
}

function waitGathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = window.setTimeout(resolve, gatherTimeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        window.clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Runs one check against the server. */
export async function runNetCheck(id: NetCheckId, servers: RTCIceServer[]): Promise<NetResult> {
  const setup = configFor(id, servers);
  if (!setup) return { id, state: 'skipped', rttMs: null, via: '' };
  const pc = new RTCPeerConnection(setup.config);
  try {
    const dc = pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await waitGathered(pc);
    const resp = await fetch('/api/v1/connection-test', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ network: setup.network, sdp: pc.localDescription?.sdp ?? '' }),
    });
    if (!resp.ok) return { id, state: 'failed', rttMs: null, via: `server ${resp.status}` };
    const { sdp } = (await resp.json()) as { sdp: string };
    await pc.setRemoteDescription({ type: 'answer', sdp });
    const opened = await new Promise<boolean>((resolve) => {
      const timer = window.setTimeout(() => resolve(false), connectTimeoutMs);
      dc.onopen = () => {
        window.clearTimeout(timer);
        resolve(true);
      };
    });
    if (!opened) return { id, state: 'failed', rttMs: null, via: '' };
    const rtts: number[] = [];
    for (let i = 0; i < pings; i++) {
      const rtt = await ping(dc, i);
      if (rtt !== null) rtts.push(rtt);
    }
    rtts.sort((a, b) => a - b);
    const rttMs = rtts.length ? Math.round(rtts[Math.floor(rtts.length / 2)] ?? 0) : null;
    return { id, state: 'ok', rttMs, via: await selectedVia(pc) };
  } catch (err) {
    console.warn('visio: connection test', id, err);
    return { id, state: 'failed', rttMs: null, via: '' };
  } finally {
    pc.close();
  }
}

function ping(dc: RTCDataChannel, n: number): Promise<number | null> {
  return new Promise((resolve) => {
    const sent = performance.now();
    const timer = window.setTimeout(() => resolve(null), 2000);
    dc.onmessage = (ev) => {
      if (ev.data === `ping ${n}`) {
        window.clearTimeout(timer);
        resolve(performance.now() - sent);
      }
    };
    dc.send(`ping ${n}`);
  });
}

/** Describes the local candidate of the selected pair: "host udp", "relay udp via tls"... */
async function selectedVia(pc: RTCPeerConnection): Promise<string> {
  const stats = await pc.getStats();
  let pairId = '';
  stats.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = pairId ? (stats.get(pairId) as { localCandidateId?: string } | undefined) : undefined;
  const local = pair?.localCandidateId
    ? (stats.get(pair.localCandidateId) as { candidateType?: string; protocol?: string; relayProtocol?: string } | undefined)
    : undefined;
  if (!local) return '';
  return [local.candidateType, local.protocol, local.relayProtocol ? `via ${local.relayProtocol}` : ''].filter(Boolean).join(' ');
}

/** Checks a camera or microphone: the device label, or why it is not available. */
export async function checkDevice(kind: 'camera' | 'microphone'): Promise<{ ok: boolean; detail: 'denied' | 'missing' | string }> {
  try {
    const stream = await navigator.mediaDevices.getUserMedia(kind === 'camera' ? { video: true } : { audio: true });
    const track = stream.getTracks()[0];
    const label = track?.label || kind;
    const settings = track?.getSettings();
    for (const tr of stream.getTracks()) tr.stop();
    const size = settings?.width && settings.height ? ` ${settings.width}×${settings.height}` : '';
    return { ok: true, detail: label + size };
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    return { ok: false, detail: name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'denied' };
  }
}
