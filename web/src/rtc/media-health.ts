// Whether media gets through: a session is "connected" once the signalling socket is, but audio
// and video need the peer connections too. When neither direct UDP, direct TCP nor the relay
// gets through, the peer connections stay "checking" (or fail) for good: this says so, and what
// was tried, instead of leaving the user before a spinner.

/** How long a peer connection may try before the user is told media does not get through. */
export const mediaGraceMs = 20_000;

export interface MediaBlocked {
  /** Ways tried, from the server's candidates and our relay addresses. */
  tried: Tried[];
}

export type Tried = { kind: 'udp' } | { kind: 'tcp' } | { kind: 'relay'; proto: 'UDP' | 'TCP' | 'TLS'; reached: boolean };

/** Watches peer connections and tells when media does not get through. */
export class MediaHealth {
  private readonly since = new WeakMap<RTCPeerConnection, number>();

  /**
   * Returns what was tried if one of pcs has been unable to connect for mediaGraceMs (or
   * failed), else null. Connections without a remote description yet are not judged.
   */
  async check(pcs: (RTCPeerConnection | null | undefined)[], now = performance.now()): Promise<MediaBlocked | null> {
    let stuck: RTCPeerConnection | null = null;
    for (const pc of pcs) {
      if (!pc || !pc.remoteDescription || pc.connectionState === 'closed') continue;
      const state = pc.iceConnectionState;
      if (state === 'connected' || state === 'completed') {
        this.since.delete(pc);
        continue;
      }
      const from = this.since.get(pc) ?? now;
      this.since.set(pc, from);
      if (state === 'failed' || now - from >= mediaGraceMs) stuck = pc;
    }
    return stuck ? { tried: await tried(stuck) } : null;
  }
}

/** What a peer connection tried: the server's direct candidates and our relays. */
async function tried(pc: RTCPeerConnection): Promise<Tried[]> {
  const out: Tried[] = [];
  const sdp = pc.remoteDescription?.sdp ?? '';
  if (/a=candidate:\S+ \d+ udp /i.test(sdp)) out.push({ kind: 'udp' });
  if (/a=candidate:\S+ \d+ tcp /i.test(sdp)) out.push({ kind: 'tcp' });
  const relays = new Set<string>();
  try {
    const stats = await pc.getStats();
    stats.forEach((s: { type: string; candidateType?: string; relayProtocol?: string }) => {
      if (s.type === 'local-candidate' && s.candidateType === 'relay' && s.relayProtocol) relays.add(s.relayProtocol.toUpperCase());
    });
  } catch {
    // No statistics: the relays are listed as unreachable.
  }
  const offered = new Set<'UDP' | 'TCP' | 'TLS'>();
  for (const server of pc.getConfiguration().iceServers ?? []) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      if (url.startsWith('turns:')) offered.add('TLS');
      else if (url.startsWith('turn:')) offered.add(url.endsWith('transport=tcp') ? 'TCP' : 'UDP');
    }
  }
  for (const proto of ['UDP', 'TCP', 'TLS'] as const) {
    if (offered.has(proto)) out.push({ kind: 'relay', proto, reached: relays.has(proto) });
  }
  return out;
}
