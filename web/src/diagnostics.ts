// Diagnostics hook for support staff and end-to-end tests.
//
//   window.visio.state()  -> connection state, our id, participants with their tracks,
//                            peer connection states, remote tracks and timings
//   window.visio.stats()  -> Promise of one entry per remote track, from subscriber.getStats():
//                            { trackId, participantId, participantName, source, kind, bytesReceived,
//                              packetsReceived, framesDecoded, frameWidth, frameHeight,
//                              totalSamplesReceived, audioLevel }
//   window.visio.sent()   -> Promise of one entry per video encoding we send (per simulcast RID),
//                            from publisher.getStats(): { source, rid, active, framesEncoded,
//                              frameWidth, frameHeight, bytesSent, qualityLimitationReason,
//                              trackLabel }
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

/** One encoding of a video track we publish. */
export interface EncodingStats {
  source: string | null;
  rid: string | null;
  /** From the stats when the browser reports it, else from the sender parameters. */
  active: boolean | null;
  framesEncoded: number;
  frameWidth: number;
  frameHeight: number;
  bytesSent: number;
  qualityLimitationReason: string | null;
  /** The label of the track the sender sends (the device, after a switch). */
  trackLabel: string | null;
}

interface Diagnostics {
  state(): unknown;
  stats(): Promise<TrackStats[]>;
  sent(): Promise<EncodingStats[]>;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

declare global {
  interface Window {
    visio?: Diagnostics;
  }
}

export const timings: Timings = { firstRemoteFrameMs: null };

function cameraSettings(s: Session): { width: number; height: number; frameRate: number } | null {
  const c = s.local.camera?.getSettings();
  return c ? { width: c.width ?? 0, height: c.height ?? 0, frameRate: c.frameRate ?? 0 } : null;
}

/** extra adds view state (page, subscriptions) to state(). */
export function installDiagnostics(getSession: () => Session | null, extra: () => Record<string, unknown> = () => ({})): void {
  window.visio = {
    state() {
      const s = getSession();
      if (!s) return { connection: 'idle', participants: [], timings: { ...timings } };
      return {
        connection: s.state.kind,
        reason: 'reason' in s.state ? s.state.reason : null,
        code: s.code,
        self: { id: s.selfId, name: s.name, micOn: s.micOn, camOn: s.camOn, sharing: !!s.screen, tracks: s.selfTracks, camera: cameraSettings(s) },
        participants: [...s.participants.values()].map((p) => ({ id: p.id, name: p.name, state: p.state, tracks: p.tracks })),
        publisher: s.publisher ? { connection: s.publisher.pc.connectionState, ice: s.publisher.pc.iceConnectionState } : null,
        subscriber: s.subscriber ? { connection: s.subscriber.pc.connectionState, ice: s.subscriber.pc.iceConnectionState } : null,
        remoteTracks: [...(s.subscriber?.remote.values() ?? [])].map((r) => {
          const o = s.owner(r.id);
          return { trackId: r.id, kind: r.track.kind, participantId: o?.participant.id ?? null, source: o?.info.source ?? null };
        }),
        timings: { ...timings },
        speakers: s.speakers,
        layers: s.layersLog,
        publishedLayers: s.publisher?.activeLayers() ?? {},
        ...extra(),
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
    async sent() {
      const pub = getSession()?.publisher;
      if (!pub) return [];
      const sources = new Map<string, string>();
      const labels = new Map<string, string>();
      const params = new Map<string, RTCRtpEncodingParameters>();
      for (const source of ['camera', 'screen'] as const) {
        const sender = pub.sender(source);
        const mid = pub.pc.getTransceivers().find((tr) => tr.sender === sender)?.mid;
        if (!sender || !mid) continue;
        sources.set(mid, source);
        labels.set(mid, sender.track?.label ?? '');
        for (const e of sender.getParameters().encodings ?? []) params.set(`${mid}/${e.rid ?? ''}`, e);
      }
      const report = await pub.pc.getStats();
      const out: EncodingStats[] = [];
      report.forEach((r: Record<string, unknown>) => {
        if (r.type !== 'outbound-rtp' || r.kind !== 'video') return;
        const mid = typeof r.mid === 'string' ? r.mid : '';
        const rid = typeof r.rid === 'string' ? r.rid : null;
        const p = params.get(`${mid}/${rid ?? ''}`);
        out.push({
          source: sources.get(mid) ?? null,
          rid,
          active: typeof r.active === 'boolean' ? r.active : (p?.active ?? null),
          framesEncoded: num(r.framesEncoded),
          frameWidth: num(r.frameWidth),
          frameHeight: num(r.frameHeight),
          bytesSent: num(r.bytesSent),
          qualityLimitationReason: typeof r.qualityLimitationReason === 'string' ? r.qualityLimitationReason : null,
          trackLabel: labels.get(mid) ?? null,
        });
      });
      return out;
    },
  };
}
