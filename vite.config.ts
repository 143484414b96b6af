import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI lives in ui/ and is built to ui/dist, which the Fastify server serves on the API's port.
export default defineConfig({
  root: 'ui',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/docs': 'http://127.0.0.1:8080' } },
});
