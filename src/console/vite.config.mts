import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The console is served by the API at /console; in development Vite serves it and proxies the API. */
const api = process.env.TUNEFORGE_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // React's automatic JSX runtime comes from tsconfig's "jsx": "react-jsx" (Vite 8 compiles TSX with oxc).
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      // react-router marks its modules "use client" (for server-component bundlers); meaningless in an SPA.
      onLog(level, log, handler) {
        if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true },
      '/uploads': { target: api },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['**/*.test.{ts,tsx}'],
    setupFiles: ['./test-setup.ts'],
  },
});
