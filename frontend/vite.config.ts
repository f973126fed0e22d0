/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { compress } from './scripts/compress.ts';
import { routePreload } from './scripts/route-preload.ts';

const gateway = process.env.KO_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), routePreload(fileURLToPath(new URL('./src/app/routes.tsx', import.meta.url))), compress()],
  server: {
    proxy: {
      // SSE (/api/v1/live) goes through the same proxy; http-proxy streams it unbuffered.
      '/api': { target: gateway, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
    css: false,
    testTimeout: 60000,
  },
});
