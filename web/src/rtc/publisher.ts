// The publisher connection: the client offers, the server answers; carries our own tracks.

import { cameraRids, encodingsFor, tune } from './encodings';
import type { ClientMessage, OfferTrack, Source } from './protocol';

interface Published {
  transceiver: RTCRtpTransceiver;
  /** The MediaStreamTrack id put in the SDP msid when the transceiver was added. */
  cid: string;
}

const answerTimeoutMs = 15_000;

/** Sends our microphone, camera and screen to the server. */
export class Publisher {
  readonly pc: RTCPeerConnection;
  private readonly published = new Map<Source, Published>();
  private readonly stream = new MediaStream();
  private negotiating = false;
  private again = false;
  private againRestart = false;
  private waiter: { resolve(sdp: string): void; reject(err: Error): void } | null = null;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** Simulcast layers the server asked for, per source (absent: all layers). */
  private readonly layers = new Map<Source, readonly string[]>();
  /** Serialises getParameters/setParameters calls. */
  private tuning: Promise<void> = Promise.resolve();

  constructor(
    iceServers: RTCIceServer[],
    private readonly send: (msg: ClientMessage) => boolean,
    onIceFailed: () => void,
  ) {
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    this.pc.onicecandidate = (ev) => {
      if (ev.candidate?.candidate) this.send({ type: 'candidate', target: 'publisher', candidate: ev.candidate.toJSON() });
    };
    this.pc.oniceconnectionstatechange = () => {
      if (this.pc.iceConnectionState === 'failed') onIceFailed();
    };
  }

  /** True when a transceiver exists for source. */
  has(source: Source): boolean {
    return this.published.has(source);
  }

  /**
   * Sends track as source. The first time a source is published a transceiver is added and the
   * connection renegotiated; afterwards the track is swapped in place (null pauses sending).
   */
  async setTrack(source: Source, track: MediaStreamTrack | null, renegotiate = true): Promise<void> {
    const existing = this.published.get(source);
    if (existing) {
      await existing.transceiver.sender.replaceTrack(track);
      return;
    }
    if (!track) return;
    const stream = source === 'screen' ? new MediaStream([track]) : this.stream;
    if (source === 'screen' && 'contentHint' in track) track.contentHint = 'detail';
    const sendEncodings = encodingsFor(source);
    const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream], ...(sendEncodings ? { sendEncodings } : {}) });
    this.published.set(source, { transceiver, cid: track.id });
    if (renegotiate) await this.negotiate();
  }

  /**
   * Sends only the simulcast layers (RIDs) in active for source, pausing the others; the choice
   * is kept and applied again after every negotiation.
   */
  setLayers(source: Source, active: readonly string[]): Promise<void> {
    this.layers.set(source, [...active]);
    return this.tune(source);
  }

  /** The layers last asked for, per source (diagnostics). */
  activeLayers(): Record<string, readonly string[]> {
    return Object.fromEntries(this.layers);
  }

  /** The sender of source, if published. */
  sender(source: Source): RTCRtpSender | undefined {
    return this.published.get(source)?.transceiver.sender;
  }

  private tune(source: Source): Promise<void> {
    this.tuning = this.tuning.then(async () => {
      const p = this.published.get(source);
      if (!p || this.pc.signalingState === 'closed' || !this.pc.currentRemoteDescription) return;
      try {
        await tune(p.transceiver.sender, source, this.layers.get(source) ?? null);
      } catch (err) {
        console.warn(`visio: encoding parameters of ${source}`, err);
      }
    });
    return this.tuning;
  }

  /** Stops publishing source altogether and renegotiates. */
  async remove(source: Source): Promise<void> {
    const p = this.published.get(source);
    if (!p) return;
    this.published.delete(source);
    try {
      p.transceiver.stop();
    } catch {
      this.pc.removeTrack(p.transceiver.sender);
    }
    await this.negotiate();
  }

  /**
   * Creates and sends an offer, then waits for the answer. Calls made while a negotiation is in
   * flight are folded into one more round afterwards.
   */
  async negotiate(iceRestart = false): Promise<void> {
    if (this.pc.signalingState === 'closed') return;
    if (this.negotiating) {
      this.again = true;
      this.againRestart ||= iceRestart;
      return;
    }
    this.negotiating = true;
    try {
      let restart = iceRestart;
      for (;;) {
        this.again = false;
        this.againRestart = false;
        await this.round(restart);
        if (!this.again) break;
        restart = this.againRestart;
      }
    } catch (err) {
      console.warn('visio: publisher negotiation', err);
    } finally {
      this.negotiating = false;
    }
  }

  private async round(iceRestart: boolean): Promise<void> {
    if (this.published.size === 0 && this.pc.getTransceivers().length === 0) return;
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    const tracks: OfferTrack[] = [...this.published].map(([source, p]) =>
      source === 'camera' ? { cid: p.cid, source, layers: [...cameraRids] } : { cid: p.cid, source },
    );
    const answer = new Promise<string>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    const timer = window.setTimeout(() => this.waiter?.reject(new Error('answer timeout')), answerTimeoutMs);
    try {
      if (!this.send({ type: 'offer', sdp: offer.sdp ?? '', tracks })) throw new Error('socket down');
      const sdp = await answer;
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      for (const c of this.pendingCandidates.splice(0)) await this.addCandidate(c);
      for (const source of this.published.keys()) void this.tune(source);
    } finally {
      window.clearTimeout(timer);
      this.waiter = null;
    }
  }

  /** Handles the server's answer to our offer. */
  handleAnswer(sdp: string): void {
    this.waiter?.resolve(sdp);
  }

  /** Abandons a negotiation waiting for an answer (the socket dropped). */
  abort(): void {
    this.waiter?.reject(new Error('socket lost'));
  }

  async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      console.warn('visio: publisher candidate', err);
    }
  }

  close(): void {
    this.abort();
    this.pc.close();
  }
}
