// Local devices: microphone and camera acquisition, device lists, preferences.

export type DeviceProblem = 'blocked' | 'missing' | 'error' | null;

export interface DevicePrefs {
  cameraId: string;
  micId: string;
  speakerId: string;
}

const prefsKey = 'visio.devices';

export function loadPrefs(): DevicePrefs {
  try {
    const raw = JSON.parse(localStorage.getItem(prefsKey) ?? '{}') as Partial<DevicePrefs>;
    return { cameraId: raw.cameraId ?? '', micId: raw.micId ?? '', speakerId: raw.speakerId ?? '' };
  } catch {
    return { cameraId: '', micId: '', speakerId: '' };
  }
}

export function savePrefs(prefs: DevicePrefs): void {
  try {
    localStorage.setItem(prefsKey, JSON.stringify(prefs));
  } catch {
    // not remembered
  }
}

// exact: the person picked this device now (during a meeting): that one or an error.
const audioConstraints = (deviceId: string, exact = false): MediaTrackConstraints => ({
  deviceId: deviceId ? (exact ? { exact: deviceId } : { ideal: deviceId }) : undefined,
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
});

const videoConstraints = (deviceId: string, exact = false): MediaTrackConstraints => ({
  deviceId: deviceId ? (exact ? { exact: deviceId } : { ideal: deviceId }) : undefined,
  // 720p when the camera has it: the full simulcast layer; the browser falls back to less.
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 24, max: 30 },
});

/** Classifies a getUserMedia failure. */
export function classify(err: unknown): DeviceProblem {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'blocked';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
  return 'error';
}

/** Our microphone and camera tracks, owned by the page for its whole life. */
export class LocalMedia {
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  problem: DeviceProblem = null;
  problemDetail = '';
  readonly prefs = loadPrefs();

  /** Asks for microphone and camera once; records what went wrong, never throws. */
  async start(wantCamera: boolean): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.problem = 'blocked';
      return;
    }
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        audio: audioConstraints(this.prefs.micId),
        video: wantCamera ? videoConstraints(this.prefs.cameraId) : false,
      });
      this.mic = s.getAudioTracks()[0] ?? null;
      this.camera = s.getVideoTracks()[0] ?? null;
      return;
    } catch (err) {
      this.problem = classify(err);
      this.problemDetail = err instanceof Error ? err.name : String(err);
      if (this.problem === 'blocked') return;
    }
    // One of the two kinds may exist on its own.
    await this.startMic(this.prefs.micId).catch(() => undefined);
    if (wantCamera) await this.startCamera(this.prefs.cameraId).catch(() => undefined);
    if (this.mic || this.camera) this.problem = null;
  }

  /** (Re)opens the microphone, replacing the current track. */
  async startMic(deviceId: string): Promise<MediaStreamTrack> {
    const s = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId) });
    const track = s.getAudioTracks()[0];
    if (!track) throw new DOMException('no audio track', 'NotFoundError');
    this.mic?.stop();
    this.mic = track;
    return track;
  }

  /** (Re)opens the camera, replacing the current track. */
  async startCamera(deviceId: string): Promise<MediaStreamTrack> {
    const s = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(deviceId) });
    const track = s.getVideoTracks()[0];
    if (!track) throw new DOMException('no video track', 'NotFoundError');
    this.camera?.stop();
    this.camera = track;
    return track;
  }

  /**
   * Switches to another device during a meeting: opens exactly deviceId, lets send put the new
   * track in place of the old (replaceTrack), then stops the old one. Stopping the old first
   * would leave an ended track on the sender, which stalls Chromium's simulcast encoder.
   */
  async switchDevice(kind: 'audio' | 'video', deviceId: string, send: (t: MediaStreamTrack) => Promise<void>): Promise<MediaStreamTrack> {
    const s = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: audioConstraints(deviceId, true) } : { video: videoConstraints(deviceId, true) });
    const track = (kind === 'audio' ? s.getAudioTracks() : s.getVideoTracks())[0];
    if (!track) throw new DOMException(`no ${kind} track`, 'NotFoundError');
    const old = kind === 'audio' ? this.mic : this.camera;
    if (kind === 'audio') track.enabled = old?.enabled ?? true;
    try {
      await send(track);
    } catch (err) {
      track.stop();
      throw err;
    }
    if (kind === 'audio') this.mic = track;
    else this.camera = track;
    old?.stop();
    return track;
  }

  /** Stops the camera so its light goes off. */
  stopCamera(): void {
    this.camera?.stop();
    this.camera = null;
  }

  stopAll(): void {
    this.mic?.stop();
    this.mic = null;
    this.stopCamera();
  }
}

/** Lists devices of a kind (labels are only known after permission). */
export async function listDevices(kind: MediaDeviceKind): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const all = await navigator.mediaDevices.enumerateDevices();
  return all.filter((d) => d.kind === kind && d.deviceId !== '');
}

/** True when the browser can choose the audio output of media elements. */
export function canPickSpeaker(): boolean {
  return 'setSinkId' in HTMLMediaElement.prototype;
}

/** Routes an element's audio to the chosen speaker when supported. */
export function applySink(el: HTMLMediaElement, speakerId: string): void {
  const withSink = el as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };
  if (!withSink.setSinkId || withSink.sinkId === speakerId) return;
  withSink.setSinkId(speakerId).catch((err: unknown) => console.warn('visio: setSinkId', err));
}
