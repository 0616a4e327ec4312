import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// During `npm run dev` the API lives on a running `vpt server` (default port 5109).
const apiTarget = process.env.VPT_API ?? 'http://127.0.0.1:5109';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, ws: true },
      '/server': { target: apiTarget },
    },
  },
});
