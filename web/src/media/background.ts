// Background blur and replacement of the camera, in the browser: MediaPipe's selfie
// segmentation (the npm package @mediapipe/selfie_segmentation, its WebAssembly and model files
// served by visio itself from /mediapipe/, nothing fetched elsewhere) finds the person in each
// frame; a canvas draws them over their blurred or replaced background, and its stream is what
// is sent.

/** What happens behind the person. */
export type BackgroundMode = 'none' | 'blur' | 'replace';

/** Size of the processed video (the cost was measured at this size: docs/BENCHMARKS.md). */
export const effectWidth = 640;
export const effectHeight = 360;

interface SegResults {
  image: CanvasImageSource;
  segmentationMask: CanvasImageSource;
}

interface Segmenter {
  setOptions(o: { modelSelection: number }): void;
  onResults(fn: (r: SegResults) => void): void;
  initialize(): Promise<void>;
  send(input: { image: HTMLVideoElement }): Promise<void>;
  close(): Promise<void>;
}

declare global {
  interface Window {
    SelfieSegmentation?: new (o: { locateFile: (file: string) => string }) => Segmenter;
  }
}

const base = '/mediapipe/';
let loading: Promise<void> | null = null;

/** Loads MediaPipe's script once (a classic script that defines window.SelfieSegmentation). */
function loadSegmentation(): Promise<void> {
  loading ??= new Promise<void>((resolve, reject) => {
    if (window.SelfieSegmentation) return resolve();
    const s = document.createElement('script');
    s.src = base + 'selfie_segmentation.js';
    s.onload = () => resolve();
    s.onerror = () => {
      loading = null;
      reject(new Error('background effects could not be loaded'));
    };
    document.head.append(s);
  });
  return loading;
}

/** The replacement background: a calm gradient drawn here (no image to fetch). */
function paintReplacement(ctx: CanvasRenderingContext2D, w: number, h: number): void {
  const g = ctx.createLinearGradient(0, 0, w, h);
  g.addColorStop(0, '#dfe6f5');
  g.addColorStop(0.55, '#b9c6e6');
  g.addColorStop(1, '#8fa3d6');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
}

/** Processes one camera track into a track with its background blurred or replaced. */
export class BackgroundEffect {
  /** The processed track to send and show. */
  readonly track: MediaStreamTrack;
  source: MediaStreamTrack;
  /** Time spent per processed frame (segmentation and drawing), ms, for the last 30 frames. */
  readonly frameMs: number[] = [];
  private readonly video = document.createElement('video');
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private readonly person = document.createElement('canvas');
  private readonly personCtx: CanvasRenderingContext2D;
  private seg: Segmenter | null = null;
  private busy = false;
  private closed = false;
  private started = 0;

  private constructor(
    source: MediaStreamTrack,
    public mode: Exclude<BackgroundMode, 'none'>,
  ) {
    this.source = source;
    this.canvas.width = this.person.width = effectWidth;
    this.canvas.height = this.person.height = effectHeight;
    const ctx = this.canvas.getContext('2d');
    const pctx = this.person.getContext('2d');
    if (!ctx || !pctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    this.personCtx = pctx;
    const out = this.canvas.captureStream(30).getVideoTracks()[0];
    if (!out) throw new Error('no canvas stream');
    this.track = out;
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = new MediaStream([source]);
  }

  /** Starts processing source; resolves once the model runs and the first frame is drawn. */
  static async start(source: MediaStreamTrack, mode: Exclude<BackgroundMode, 'none'>): Promise<BackgroundEffect> {
    await loadSegmentation();
    const Ctor = window.SelfieSegmentation;
    if (!Ctor) throw new Error('background effects could not be loaded');
    const e = new BackgroundEffect(source, mode);
    const seg = new Ctor({ locateFile: (file) => base + file });
    seg.setOptions({ modelSelection: 1 }); // the landscape model: video calls
    seg.onResults((r) => e.draw(r));
    e.seg = seg;
    await seg.initialize();
    await e.video.play();
    await e.step();
    e.loop();
    return e;
  }

  /** Processes another camera track (after the camera was turned off and on, or changed). */
  retarget(source: MediaStreamTrack): void {
    if (source === this.source) return;
    this.source = source;
    this.video.srcObject = new MediaStream([source]);
    void this.video.play().catch(() => undefined);
  }

  private loop(): void {
    if (this.closed) return;
    const v = this.video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number };
    const next = () => void this.step().finally(() => this.loop());
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(next);
    else window.setTimeout(next, 33);
  }

  private async step(): Promise<void> {
    if (this.closed || this.busy || !this.seg) return;
    this.busy = true;
    this.started = performance.now();
    try {
      await this.seg.send({ image: this.video });
    } catch (err) {
      console.warn('visio: background effect', err);
    } finally {
      this.busy = false;
    }
  }

  private draw(r: SegResults): void {
    if (this.closed) return;
    const { ctx, personCtx: p } = this;
    const w = effectWidth;
    const h = effectHeight;
    // The person: the mask, then the frame kept where the mask is.
    p.globalCompositeOperation = 'copy';
    p.drawImage(r.segmentationMask, 0, 0, w, h);
    p.globalCompositeOperation = 'source-in';
    p.drawImage(r.image, 0, 0, w, h);
    // The background, then the person over it.
    ctx.globalCompositeOperation = 'copy';
    if (this.mode === 'blur') {
      ctx.filter = 'blur(12px)';
      ctx.drawImage(r.image, 0, 0, w, h);
      ctx.filter = 'none';
    } else {
      paintReplacement(ctx, w, h);
    }
    ctx.globalCompositeOperation = 'source-over';
    ctx.drawImage(this.person, 0, 0);
    this.frameMs.push(performance.now() - this.started);
    if (this.frameMs.length > 30) this.frameMs.shift();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.track.stop();
    this.video.srcObject = null;
    const seg = this.seg;
    this.seg = null;
    // MediaPipe may still be processing a frame: close it once that one is done.
    const wait = this.busy ? new Promise((r) => window.setTimeout(r, 1000)) : Promise.resolve();
    void wait.then(() => seg?.close()).catch(() => undefined);
  }
}
