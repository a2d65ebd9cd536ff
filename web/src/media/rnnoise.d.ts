// The RNNoise module of @jitsi/rnnoise-wasm (an Emscripten factory, WebAssembly inlined).
declare module '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js' {
  const createRNNWasmModuleSync: () => unknown;
  export default createRNNWasmModuleSync;
}
