// Diagnostics hook for support staff and end-to-end tests.
//
//   window.visio.state()  -> connection state, our id, participants with their tracks,
//                            peer connection states, remote tracks and timings
//   window.visio.stats()  -> Promise of one entry per remote track, from subscriber.getStats():
//                            { trackId, participantId, participantName, source, kind, bytesReceived,
//                              packetsReceived, framesDecoded, frameWidth, frameHeight,
//                              totalSamplesReceived, audioLevel }
//
// Nothing here leaves the browser; it only reads local state.

import type { Session } from './rtc/session';

export interface Timings {
  /** performance.now() (ms since navigation start) when the first remote video frame was shown. */
  firstRemoteFrameMs: number | null;
}

export interface TrackStats {
  trackId: string;
  participantId: string | null;
  participantName: string | null;
  source: string | null;
  kind: string;
  bytesReceived: number;
  packetsReceived: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  totalSamplesReceived: number;
  audioLevel: number;
}

interface Diagnostics {
  state(): unknown;
  stats(): Promise<TrackStats[]>;
}

declare global {
  interface Window {
    visio?: Diagnostics;
  }
}

export const timings: Timings = { firstRemoteFrameMs: null };

export function installDiagnostics(getSession: () => Session | null): void {
  window.visio = {
    state() {
      const s = getSession();
      if (!s) return { connection: 'idle', participants: [], timings: { ...timings } };
      return {
        connection: s.state.kind,
        reason: 'reason' in s.state ? s.state.reason : null,
        code: s.code,
        self: { id: s.selfId, name: s.name, micOn: s.micOn, camOn: s.camOn, sharing: !!s.screen },
        participants: [...s.participants.values()].map((p) => ({ id: p.id, name: p.name, state: p.state, tracks: p.tracks })),
        publisher: s.publisher ? { connection: s.publisher.pc.connectionState, ice: s.publisher.pc.iceConnectionState } : null,
        subscriber: s.subscriber ? { connection: s.subscriber.pc.connectionState, ice: s.subscriber.pc.iceConnectionState } : null,
        remoteTracks: [...(s.subscriber?.remote.values() ?? [])].map((r) => {
          const o = s.owner(r.id);
          return { trackId: r.id, kind: r.track.kind, participantId: o?.participant.id ?? null, source: o?.info.source ?? null };
        }),
        timings: { ...timings },
      };
    },
    async stats() {
      const s = getSession();
      const sub = s?.subscriber;
      if (!s || !sub) return [];
      const report = await sub.pc.getStats();
      const byMid = new Map<string, Record<string, unknown>>();
      const byTrack = new Map<string, Record<string, unknown>>();
      report.forEach((r: Record<string, unknown>) => {
        if (r.type !== 'inbound-rtp') return;
        if (typeof r.mid === 'string') byMid.set(r.mid, r);
        if (typeof r.trackIdentifier === 'string') byTrack.set(r.trackIdentifier, r);
      });
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      const out: TrackStats[] = [];
      for (const r of sub.remote.values()) {
        const mid = r.transceiver?.mid ?? null;
        const st = (mid !== null ? byMid.get(mid) : undefined) ?? byTrack.get(r.track.id) ?? {};
        const o = s.owner(r.id);
        out.push({
          trackId: r.id,
          participantId: o?.participant.id ?? null,
          participantName: o?.participant.name ?? null,
          source: o?.info.source ?? null,
          kind: r.track.kind,
          bytesReceived: num(st.bytesReceived),
          packetsReceived: num(st.packetsReceived),
          framesDecoded: num(st.framesDecoded),
          frameWidth: num(st.frameWidth),
          frameHeight: num(st.frameHeight),
          totalSamplesReceived: num(st.totalSamplesReceived),
          audioLevel: num(st.audioLevel),
        });
      }
      return out;
    },
  };
}
