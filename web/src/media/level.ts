// Audio level of a local track, measured with a WebAudio AnalyserNode.

let shared: AudioContext | null = null;

function context(): AudioContext {
  shared ??= new AudioContext();
  if (shared.state === 'suspended') void shared.resume().catch(() => undefined);
  return shared;
}

/** Measures the level (0..1) of one audio track. */
export class LevelMeter {
  private readonly source: MediaStreamAudioSourceNode;
  private readonly analyser: AnalyserNode;
  private readonly buf: Float32Array<ArrayBuffer>;

  constructor(readonly track: MediaStreamTrack) {
    const ctx = context();
    this.source = ctx.createMediaStreamSource(new MediaStream([track]));
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.buf = new Float32Array(this.analyser.fftSize);
    this.source.connect(this.analyser);
  }

  /** The RMS level, scaled so that normal speech reads about 0.3-0.8. */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += v * v;
    const rms = Math.sqrt(sum / this.buf.length);
    return Math.min(1, rms * 4);
  }

  close(): void {
    this.source.disconnect();
    this.analyser.disconnect();
  }
}
