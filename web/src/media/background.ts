// Background blur and replacement of the camera, in the browser: MediaPipe's selfie
// segmentation (the npm package @mediapipe/selfie_segmentation, its WebAssembly and model files
// served by visio itself from /mediapipe/, nothing fetched elsewhere) finds the person; a canvas
// draws every camera frame with the person over their blurred or replaced background (with the
// latest mask: a slow segmentation lowers the mask's rate, not the video's), and its stream is
// what is sent.

/** What happens behind the person. */
export type BackgroundMode = 'none' | 'blur' | 'replace';

/** Size of the processed video (the cost was measured at this size: docs/BENCHMARKS.md). */
export const effectWidth = 640;
export const effectHeight = 360;

interface SegResults {
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
  /** Camera frames drawn with the effect so far. */
  composed = 0;
  /** Time spent per segmented frame, ms, for the last 30. */
  readonly frameMs: number[] = [];
  private readonly video = document.createElement('video');
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private readonly person = document.createElement('canvas');
  private readonly personCtx: CanvasRenderingContext2D;
  private readonly mask = document.createElement('canvas');
  private readonly maskCtx: CanvasRenderingContext2D;
  private hasMask = false;
  private seg: Segmenter | null = null;
  private busy = false;
  private closed = false;
  private started = 0;

  private constructor(
    source: MediaStreamTrack,
    public mode: Exclude<BackgroundMode, 'none'>,
  ) {
    this.source = source;
    this.canvas.width = this.person.width = this.mask.width = effectWidth;
    this.canvas.height = this.person.height = this.mask.height = effectHeight;
    const ctx = this.canvas.getContext('2d');
    const pctx = this.person.getContext('2d');
    const mctx = this.mask.getContext('2d');
    if (!ctx || !pctx || !mctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    this.personCtx = pctx;
    this.maskCtx = mctx;
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
    seg.onResults((r) => e.keepMask(r));
    e.seg = seg;
    await seg.initialize();
    await e.video.play();
    await e.segment();
    e.compose();
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
    const next = () => {
      this.compose();
      void this.segment(); // in the background; frames meanwhile use the last mask
      this.loop();
    };
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(next);
    else window.setTimeout(next, 33);
  }

  private async segment(): Promise<void> {
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

  /** Keeps the mask of a segmented frame for the frames that follow. */
  private keepMask(r: SegResults): void {
    if (this.closed) return;
    this.maskCtx.globalCompositeOperation = 'copy';
    this.maskCtx.drawImage(r.segmentationMask, 0, 0, effectWidth, effectHeight);
    this.hasMask = true;
    this.frameMs.push(performance.now() - this.started);
    if (this.frameMs.length > 30) this.frameMs.shift();
  }

  /** Draws the current camera frame: the background, then the person over it. */
  private compose(): void {
    if (this.closed || !this.hasMask) return;
    const { ctx, personCtx: p } = this;
    const w = effectWidth;
    const h = effectHeight;
    p.globalCompositeOperation = 'copy';
    p.drawImage(this.mask, 0, 0);
    p.globalCompositeOperation = 'source-in';
    p.drawImage(this.video, 0, 0, w, h);
    ctx.globalCompositeOperation = 'copy';
    if (this.mode === 'blur') {
      ctx.filter = 'blur(12px)';
      ctx.drawImage(this.video, 0, 0, w, h);
      ctx.filter = 'none';
    } else {
      paintReplacement(ctx, w, h);
    }
    ctx.globalCompositeOperation = 'source-over';
    ctx.drawImage(this.person, 0, 0);
    this.composed++;
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
