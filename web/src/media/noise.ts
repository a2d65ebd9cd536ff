// Noise suppression of the microphone in the browser (RNNoise in an audio worklet, see
// noise-worklet.ts): the processed track is what is sent.

import workletUrl from './noise-worklet.ts?worker&url';

export class NoiseSuppression {
  readonly track: MediaStreamTrack;
  readonly source: MediaStreamTrack;
  private closed = false;

  private constructor(
    source: MediaStreamTrack,
    private readonly ctx: AudioContext,
    track: MediaStreamTrack,
  ) {
    this.source = source;
    this.track = track;
  }

  static async start(source: MediaStreamTrack): Promise<NoiseSuppression> {
    const ctx = new AudioContext({ sampleRate: 48000 });
    try {
      await ctx.audioWorklet.addModule(workletUrl);
      const node = new AudioWorkletNode(ctx, 'visio-noise-suppressor', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
      const dest = ctx.createMediaStreamDestination();
      ctx.createMediaStreamSource(new MediaStream([source])).connect(node).connect(dest);
      const track = dest.stream.getAudioTracks()[0];
      if (!track) throw new Error('no processed audio track');
      await ctx.resume().catch(() => undefined);
      const ns = new NoiseSuppression(source, ctx, track);
      source.addEventListener('ended', () => ns.close());
      return ns;
    } catch (err) {
      void ctx.close();
      throw err;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.track.stop();
    void this.ctx.close().catch(() => undefined);
  }
}
