import { defineConfig } from 'vite';

// The Go server embeds web/dist and serves dist/app/index.html for "/" and for every
// meeting path "/{code}"; assets are served from "/assets/...".
export default defineConfig({
  base: '/',
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
