import fs from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// Background effects: MediaPipe's selfie segmentation script, WebAssembly and model, from its
// npm package into dist/app/mediapipe/, served by visio itself (nothing is fetched from a CDN).
// Only the WebAssembly SIMD build and the landscape model (video calls) are shipped.
const mediapipeFiles = [
  'selfie_segmentation.js',
  'selfie_segmentation.binarypb',
  'selfie_segmentation_landscape.tflite',
  'selfie_segmentation_solution_simd_wasm_bin.js',
  'selfie_segmentation_solution_simd_wasm_bin.wasm',
  'selfie_segmentation_solution_simd_wasm_bin.data',
];

function mediapipe(): Plugin {
  const dir = path.resolve(__dirname, 'node_modules/@mediapipe/selfie_segmentation');
  return {
    name: 'visio-mediapipe',
    generateBundle() {
      for (const f of mediapipeFiles) {
        this.emitFile({ type: 'asset', fileName: `mediapipe/${f}`, source: fs.readFileSync(path.join(dir, f)) });
      }
    },
  };
}

// The Go server embeds web/dist and serves dist/app/index.html for "/" and for every
// meeting path "/{code}"; assets are served from "/assets/...".
export default defineConfig({
  base: '/',
  plugins: [mediapipe()],
  worker: { format: 'es' },
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: process.env.VISIO_URL ?? 'http://127.0.0.1:8080', ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: process.env.VISIO_URL ?? 'http://127.0.0.1:8080', ws: true },
    },
  },
});
