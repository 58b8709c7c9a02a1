import { defineConfig } from 'vitest/config';

/** The console is served by the API at /console; in development Vite serves it and proxies the API. */
const api = process.env.TUNEFORGE_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: __dirname,
  base: '/console/',
  // React's automatic JSX runtime comes from tsconfig's "jsx": "react-jsx" (Vite 8 compiles TSX with oxc).
  build: { outDir: '../../dist/console', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true },
      '/uploads': { target: api },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['**/*.test.tsx'],
    setupFiles: ['./test-setup.ts'],
  },
});
