// The noise suppression audio worklet: RNNoise (the npm package @jitsi/rnnoise-wasm, compiled
// into this file) denoises 10 ms frames of 480 samples at 48 kHz. The worklet gets 128-sample
// blocks, so input and output go through small queues: 10 ms of added delay.

import createRNNWasmModuleSync from '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js';

declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

interface RNNoise {
  _malloc(n: number): number;
  _free(p: number): void;
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(st: number): void;
  _rnnoise_process_frame(st: number, out: number, input: number): number;
  HEAPF32: Float32Array;
}

const frame = 480;

class NoiseSuppressor extends AudioWorkletProcessor {
  private readonly m: RNNoise;
  private readonly state: number;
  private readonly buf: number;
  private readonly inQ = new Float32Array(frame * 2);
  private inLen = 0;
  private readonly outQ = new Float32Array(frame * 4);
  private outLen = 0;
  private enabled = true;

  constructor() {
    super();
    this.m = (createRNNWasmModuleSync as () => RNNoise)();
    this.state = this.m._rnnoise_create(0);
    this.buf = this.m._malloc(frame * 4);
    this.port.onmessage = (ev: MessageEvent<{ enabled?: boolean }>) => {
      if (typeof ev.data.enabled === 'boolean') this.enabled = ev.data.enabled;
    };
    if (sampleRate !== 48000) this.enabled = false; // RNNoise is trained on 48 kHz audio
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (!output) return true;
    if (!input) {
      output.fill(0);
      return true;
    }
    if (!this.enabled) {
      output.set(input);
      return true;
    }
    this.inQ.set(input, this.inLen);
    this.inLen += input.length;
    while (this.inLen >= frame) {
      const heap = this.m.HEAPF32;
      const at = this.buf >> 2;
      for (let i = 0; i < frame; i++) heap[at + i] = (this.inQ[i] ?? 0) * 32768;
      this.m._rnnoise_process_frame(this.state, this.buf, this.buf);
      for (let i = 0; i < frame; i++) this.outQ[this.outLen + i] = (heap[at + i] ?? 0) / 32768;
      this.outLen += frame;
      this.inQ.copyWithin(0, frame, this.inLen);
      this.inLen -= frame;
    }
    if (this.outLen >= output.length) {
      output.set(this.outQ.subarray(0, output.length));
      this.outQ.copyWithin(0, output.length, this.outLen);
      this.outLen -= output.length;
    } else {
      output.fill(0); // the first 10 ms
    }
    return true;
  }
}

registerProcessor('visio-noise-suppressor', NoiseSuppressor);
