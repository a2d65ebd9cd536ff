// The subscriber connection: the server offers, we answer; carries everyone else's tracks.

import type { ClientMessage } from './protocol';

/** A track received from the server. id is the server track id (the msid stream id). */
export interface RemoteTrack {
  id: string;
  track: MediaStreamTrack;
  receiver: RTCRtpReceiver;
  transceiver: RTCRtpTransceiver | undefined;
}

/** Receives the other participants' media. */
export class Subscriber {
  readonly pc: RTCPeerConnection;
  readonly remote = new Map<string, RemoteTrack>();
  private chain: Promise<void> = Promise.resolve();
  private pendingCandidates: RTCIceCandidateInit[] = [];

  constructor(
    iceServers: RTCIceServer[],
    private readonly send: (msg: ClientMessage) => boolean,
    private readonly onChange: () => void,
  ) {
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    this.pc.onicecandidate = (ev) => {
      if (ev.candidate?.candidate) this.send({ type: 'candidate', target: 'subscriber', candidate: ev.candidate.toJSON() });
    };
    this.pc.ontrack = (ev) => {
      const stream = ev.streams[0];
      const id = stream?.id ?? ev.track.id;
      const transceiver = ev.transceiver;
      this.remote.set(id, { id, track: ev.track, receiver: ev.receiver, transceiver });
      if (stream) {
        stream.onremovetrack = () => {
          if (this.remote.get(id)?.track === ev.track) this.remote.delete(id);
          this.onChange();
        };
      }
      this.onChange();
    };
  }

  /** Applies a server offer and answers it. Offers are handled one at a time. */
  handleOffer(sdp: string): Promise<void> {
    this.chain = this.chain.then(() => this.answer(sdp)).catch((err) => console.warn('visio: subscriber offer', err));
    return this.chain;
  }

  private async answer(sdp: string): Promise<void> {
    if (this.pc.signalingState === 'closed') return;
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    for (const c of this.pendingCandidates.splice(0)) await this.addCandidate(c);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.send({ type: 'answer', sdp: answer.sdp ?? '' });
    this.prune();
  }

  /** Drops tracks whose transceiver no longer receives. */
  private prune(): void {
    let changed = false;
    for (const [id, r] of this.remote) {
      const dir = r.transceiver?.currentDirection;
      if (r.track.readyState === 'ended' || dir === 'inactive' || dir === 'stopped' || dir === 'sendonly') {
        this.remote.delete(id);
        changed = true;
      }
    }
    if (changed) this.onChange();
  }

  async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      console.warn('visio: subscriber candidate', err);
    }
  }

  close(): void {
    this.pc.close();
    this.remote.clear();
  }
}
