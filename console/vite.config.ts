import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The server serves dist/console under /console/ (src/http/routes/console.ts); `npm run build` builds it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // Preact's automatic JSX runtime; no plugin needed (the console's tsconfig says the same for tsc).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows no inline script: no module-preload polyfill injected into the page.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npx vite console` for development, against a server on VBS's default port.
    proxy: Object.fromEntries(['/identity', '/v1', '/v2', '/v3'].map((p) => [p, 'http://127.0.0.1:8776'])),
  },
});
