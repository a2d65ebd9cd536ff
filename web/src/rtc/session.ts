// A meeting session: signalling socket, both peer connections, participants and reconnection.

import { getRoom, ApiError } from '../api';
import type { LocalMedia } from '../media/local';
import {
  socketUrl,
  type ClientMessage,
  type Participant,
  type ServerMessage,
  type Source,
  type Speaker,
  type Subscription,
  type TrackInfo,
} from './protocol';
import { Publisher } from './publisher';
import { SignalSocket } from './socket';
import { Subscriber, type RemoteTrack } from './subscriber';

/** Connection state shown by the status banner. reason is an error code or bye reason. */
export type ConnState =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  | { kind: 'reconnecting' }
  | { kind: 'failed'; reason: string }
  | { kind: 'ended'; reason: string }
  | { kind: 'lobby' }
  | { kind: 'denied'; reason: string }
  | { kind: 'left' };

export interface SessionEvents {
  /** Anything changed: participants, tracks, local state, connection state. */
  change(): void;
  /** Someone joined or left (for the live region). */
  presence(kind: 'joined' | 'left', name: string): void;
  /** A welcome arrived (first join, resume or new join): the server wants our full subscriptions. */
  welcome(): void;
  /** Every server message, before the session handles it (lobby and moderation). */
  message?(msg: ServerMessage): void;
}

/** What the server said about our published simulcast layers (diagnostics). */
export interface LayersNote {
  trackId: string;
  source: Source | null;
  active: string[];
  at: number;
}

const backoffMs = [500, 1000, 2000, 4000, 5000];
const giveUpAfterMs = 120_000;
const fatalCodes = new Set(['invalid_name', 'room_full']);
/** Refusals that pass: the server closes the socket, and the session retries with its back-off. */
const retryCodes = new Set(['too_many_connections', 'join_timeout']);

export class Session {
  state: ConnState = { kind: 'connecting' };
  selfId = '';
  readonly participants = new Map<string, Participant>();
  micOn: boolean;
  camOn: boolean;
  screen: MediaStreamTrack | null = null;
  publisher: Publisher | null = null;
  subscriber: Subscriber | null = null;
  /** The last `speakers` list, or null while the server has sent none. */
  speakers: Speaker[] | null = null;
  /** Our own published tracks, as the server describes them. */
  selfTracks: TrackInfo[] = [];
  /** `layers` messages received, oldest first (at most 50). */
  readonly layersLog: LayersNote[] = [];
  /** Gives a fresh single-use join token for each new join (not for resumes); null: join by name. */
  tokens: (() => Promise<string>) | null = null;

  private socket: SignalSocket | null = null;
  private resumeToken = '';
  private iceServers: RTCIceServer[] = [];
  private joinedOnce = false;
  private stopped = false;
  private attempt = 0;
  private lostAt = 0;
  private retryTimer = 0;
  /** Layers the server wants, per server track id of ours. */
  private readonly layerWants = new Map<string, string[]>();

  constructor(
    readonly code: string,
    readonly name: string,
    readonly local: LocalMedia,
    opts: { micOn: boolean; camOn: boolean },
    private readonly events: SessionEvents,
  ) {
    this.micOn = opts.micOn && !!local.mic;
    this.camOn = opts.camOn && !!local.camera;
  }

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.onNetworkChange);
    this.connect();
  }

  /**
   * The device is back online, often on another network (Wi-Fi to 4G): the signalling socket
   * and the media paths of the old network are dead or soon will be. Reconnect now, rather than
   * when the pings notice, and resume with ICE restarts (and fresh relay credentials). (The
   * Network Information API's change event is not used: it also fires when only the estimated
   * bandwidth changes.)
   */
  private readonly onNetworkChange = (): void => {
    if (this.stopped || !this.joinedOnce) return;
    if (this.socket) this.socket.drop();
    else {
      window.clearTimeout(this.retryTimer);
      this.connect();
    }
  };

  /** Remote track received for a participant's source, if any. */
  remoteFor(p: Participant, source: Source): { info: TrackInfo; remote: RemoteTrack | undefined } | undefined {
    const info = p.tracks.find((t) => t.source === source);
    if (!info) return undefined;
    return { info, remote: this.subscriber?.remote.get(info.id) };
  }

  /** The participant and track description of a server track id. */
  owner(trackId: string): { participant: Participant; info: TrackInfo } | undefined {
    for (const participant of this.participants.values()) {
      const info = participant.tracks.find((t) => t.id === trackId);
      if (info) return { participant, info };
    }
    return undefined;
  }

  async setMic(on: boolean): Promise<void> {
    const track = this.local.mic;
    if (!track) return;
    this.micOn = on;
    track.enabled = on;
    this.changed();
    if (!this.publisher) return;
    const existed = this.publisher.has('microphone');
    await this.publisher.setTrack('microphone', on ? track : null);
    if (existed) this.send({ type: 'mute', source: 'microphone', muted: !on });
  }

  async setCamera(on: boolean): Promise<void> {
    if (on) {
      const track = await this.local.startCamera(this.local.prefs.cameraId);
      this.camOn = true;
      this.changed();
      if (!this.publisher) return;
      const existed = this.publisher.has('camera');
      await this.publisher.setTrack('camera', track);
      if (existed) this.send({ type: 'mute', source: 'camera', muted: false });
    } else {
      this.camOn = false;
      await this.publisher?.setTrack('camera', null);
      this.local.stopCamera();
      this.changed();
      if (this.publisher?.has('camera')) this.send({ type: 'mute', source: 'camera', muted: true });
    }
  }

  /** Asks the browser for a screen and publishes it. Throws when the user refuses. */
  async startScreen(): Promise<void> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 15 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    this.screen = track;
    track.onended = () => void this.stopScreen();
    this.changed();
    await this.publisher?.setTrack('screen', track);
  }

  async stopScreen(): Promise<void> {
    const track = this.screen;
    if (!track) return;
    this.screen = null;
    track.onended = null;
    track.stop();
    this.changed();
    await this.publisher?.remove('screen');
  }

  /** Leaves the meeting for good and releases devices. */
  leave(): void {
    this.send({ type: 'leave' });
    this.stopped = true;
    this.teardown();
    this.screen?.stop();
    this.screen = null;
    this.setState({ kind: 'left' });
  }

  /** Starts over as a new participant after a failure or a bye. */
  retry(): void {
    this.teardown();
    this.resumeToken = '';
    this.attempt = 0;
    this.joinedOnce = false;
    this.stopped = false;
    this.setState({ kind: 'connecting' });
    this.connect();
  }

  private connect(): void {
    window.clearTimeout(this.retryTimer);
    const socket = new SignalSocket(socketUrl(this.code), {
      open: () => void this.sendJoin(socket),
      message: (msg) => this.handle(msg),
      closed: () => this.onSocketLost(socket),
    });
    this.socket = socket;
  }

  /** Tells the server how remote video tracks are shown. False when the socket is down. */
  subscribe(tracks: Subscription[]): boolean {
    if (!this.joinedOnce || this.state.kind !== 'connected' || tracks.length === 0) return false;
    return this.send({ type: 'subscribe', tracks });
  }

  /** join with the resume token, or else with a fresh join token. */
  private async sendJoin(socket: SignalSocket): Promise<void> {
    if (this.resumeToken) return socket.send({ type: 'join', name: this.name, resume_token: this.resumeToken });
    try {
      const token = this.tokens ? await this.tokens() : undefined;
      socket.send({ type: 'join', name: this.name, token });
    } catch (err) {
      if (socket !== this.socket) return;
      socket.close();
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        this.stopped = true;
        this.teardown();
        this.setState({ kind: 'failed', reason: err.code });
      } else this.onSocketLost(socket);
    }
  }

  send(msg: ClientMessage): boolean {
    if (!this.socket?.open) return false;
    this.socket.send(msg);
    return true;
  }

  private handle(msg: ServerMessage): void {
    this.events.message?.(msg);
    switch (msg.type) {
      case 'lobby':
        // Waiting is a working connection: a later loss (the meeting's server went away)
        // knocks again with the full back-off, and the new server keeps the place in the queue.
        this.attempt = 0;
        this.lostAt = 0;
        this.setState({ kind: 'lobby' });
        break;
      case 'denied':
        this.stopped = true;
        this.teardown();
        this.setState({ kind: 'denied', reason: msg.reason });
        break;
      case 'welcome':
        this.onWelcome(msg);
        break;
      case 'participant_joined':
        if (msg.participant.id === this.selfId) break;
        this.participants.set(msg.participant.id, msg.participant);
        this.events.presence('joined', msg.participant.name);
        this.changed();
        break;
      case 'participant_updated':
        if (msg.participant.id !== this.selfId) this.participants.set(msg.participant.id, msg.participant);
        else this.setSelfTracks(msg.participant.tracks);
        this.changed();
        break;
      case 'participant_left': {
        const p = this.participants.get(msg.participant_id);
        this.participants.delete(msg.participant_id);
        if (p && msg.reason !== 'moved') this.events.presence('left', p.name); // moved: to a breakout room
        this.changed();
        break;
      }
      case 'answer':
        this.publisher?.handleAnswer(msg.sdp);
        break;
      case 'offer':
        void this.subscriber?.handleOffer(msg.sdp);
        break;
      case 'candidate':
        if (msg.target === 'publisher') void this.publisher?.addCandidate(msg.candidate);
        else if (msg.target === 'subscriber') void this.subscriber?.addCandidate(msg.candidate);
        break;
      case 'error':
        this.onError(msg.code, msg.message ?? '', msg.fatal === true);
        break;
      case 'layers':
        this.onLayers(msg.track_id, Array.isArray(msg.active) ? msg.active : []);
        break;
      case 'speakers':
        this.speakers = Array.isArray(msg.speakers) ? msg.speakers : [];
        this.changed();
        break;
      case 'bye':
        this.stopped = true;
        this.teardown();
        this.setState({ kind: 'ended', reason: msg.reason });
        break;
      default:
        break; // pong and unknown types
    }
  }

  private onWelcome(msg: Extract<ServerMessage, { type: 'welcome' }>): void {
    this.selfId = msg.participant.id;
    this.resumeToken = msg.resume_token;
    this.iceServers = msg.ice_servers ?? [];
    this.attempt = 0;
    this.lostAt = 0;
    this.joinedOnce = true;
    this.participants.clear();
    for (const p of msg.participants) if (p.id !== this.selfId) this.participants.set(p.id, p);
    this.speakers = null;
    this.setState({ kind: 'connected' });
    const resumed = msg.resumed === true && !!this.publisher && !!this.subscriber;
    if (!resumed) this.layerWants.clear();
    this.setSelfTracks(msg.participant.tracks ?? []);
    this.events.welcome();
    if (resumed && this.publisher) {
      // Fresh relay credentials for the ICE restarts that follow (a change of network).
      for (const pc of [this.publisher.pc, this.subscriber?.pc]) {
        try {
          pc?.setConfiguration({ ...pc.getConfiguration(), iceServers: this.iceServers });
        } catch (err) {
          console.warn('visio: new ICE servers', err);
        }
      }
      void this.publisher.negotiate(true);
      return;
    }
    this.closePeers();
    this.subscriber = new Subscriber(this.iceServers, (m) => this.send(m), () => this.changed());
    const publisher = new Publisher(this.iceServers, (m) => this.send(m), () => {
      if (this.socket?.open) void publisher.negotiate(true);
    });
    this.publisher = publisher;
    const initial: Promise<void>[] = [];
    if (this.micOn && this.local.mic) initial.push(publisher.setTrack('microphone', this.local.mic, false));
    if (this.camOn && this.local.camera) initial.push(publisher.setTrack('camera', this.local.camera, false));
    if (this.screen) initial.push(publisher.setTrack('screen', this.screen, false));
    void Promise.all(initial).then(() => publisher.negotiate());
    this.changed();
  }

  /** The server needs only some simulcast layers of one of our tracks. */
  private onLayers(trackId: string, active: string[]): void {
    this.layerWants.set(trackId, active);
    const source = this.selfTracks.find((t) => t.id === trackId)?.source ?? null;
    this.layersLog.push({ trackId, source, active, at: Math.round(performance.now()) });
    if (this.layersLog.length > 50) this.layersLog.shift();
    if (source) void this.publisher?.setLayers(source, active);
  }

  /** Records our tracks as the server sees them and applies layer choices that were waiting. */
  private setSelfTracks(tracks: TrackInfo[]): void {
    this.selfTracks = tracks;
    for (const t of tracks) {
      const active = this.layerWants.get(t.id);
      if (active) void this.publisher?.setLayers(t.source, active);
    }
  }

  private onError(code: string, message: string, fatal: boolean): void {
    console.warn(`visio: server error ${code}: ${message}`);
    if (code === 'resume_expired') {
      // Our place is gone: join again as a new participant on the next socket.
      this.resumeToken = '';
      this.closePeers();
      this.participants.clear();
      return;
    }
    if (retryCodes.has(code)) return;
    if (fatal || fatalCodes.has(code)) {
      this.stopped = true;
      this.teardown();
      this.setState({ kind: 'failed', reason: code });
    }
  }

  private onSocketLost(socket: SignalSocket): void {
    if (socket !== this.socket) return;
    this.publisher?.abort();
    if (this.stopped) return;
    const now = Date.now();
    if (!this.lostAt) this.lostAt = now;
    if (!this.joinedOnce && this.attempt >= 3) {
      this.setState({ kind: 'failed', reason: 'unreachable' });
      return;
    }
    if (now - this.lostAt > giveUpAfterMs) {
      this.teardown();
      this.setState({ kind: 'failed', reason: 'unreachable' });
      return;
    }
    if (this.joinedOnce) this.setState({ kind: 'reconnecting' });
    const delay = backoffMs[Math.min(this.attempt, backoffMs.length - 1)] ?? 5000;
    const check = this.attempt >= 2;
    this.attempt++;
    this.retryTimer = window.setTimeout(() => {
      if (this.stopped) return;
      if (!check) return this.connect();
      // After a few failures, tell a vanished room apart from an unreachable server.
      getRoom(this.code).then(
        () => this.connect(),
        (err: unknown) => {
          if (err instanceof ApiError && err.code === 'room_not_found') {
            this.stopped = true;
            this.teardown();
            this.setState({ kind: 'failed', reason: 'room_not_found' });
          } else {
            this.connect();
          }
        },
      );
    }, delay);
  }

  private closePeers(): void {
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
  }

  private teardown(): void {
    if (this.stopped) {
      window.removeEventListener('online', this.onNetworkChange);
    }
    window.clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = null;
    this.closePeers();
    this.participants.clear();
    this.changed();
  }

  private setState(s: ConnState): void {
    this.state = s;
    this.changed();
  }

  private changed(): void {
    this.events.change();
  }
}
