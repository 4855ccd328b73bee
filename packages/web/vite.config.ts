/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the app with hot reload in front of a platform that `movierec up`
// runs (APIs on 8001…8005): the same paths as the one origin, so no CORS either.
const api = (port: number) => ({ target: `http://127.0.0.1:${port}`, changeOrigin: false });

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      "/auth": api(8001),
      "/movies": api(8002),
      "/history": api(8003),
      "/ratings": api(8004),
      "/recommendations": api(8005),
    },
  },
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 400 },
  test: {
    environment: "jsdom",
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
