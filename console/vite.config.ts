import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// `npm run dev -w console` proxies the API (npm start on :3000) so the session cookie stays same-origin.
export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { '/graphql': 'http://127.0.0.1:3000' } },
  build: { reportCompressedSize: false },
});
