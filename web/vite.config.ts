// The dashboard's build: web/src -> chronox_entrypoints/api/ui_assets/, served by the
// API at /ui/. Every asset is bundled (no CDN, no font or script from elsewhere), with
// hashed names so the API can cache them for good.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const outDir = fileURLToPath(new URL("../chronox_entrypoints/api/ui_assets", import.meta.url));

export default defineConfig({
  base: "/ui/",
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    // The API's CSP allows scripts and styles from 'self' only: no inlined assets.
    assetsInlineLimit: 0,
    target: "es2022",
    sourcemap: false,
    // lightweight-charts is most of the bundle; it is one file the browser caches.
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` against a running `chronox-cli serve` on the default port.
    proxy: {
      "^/(bars|gaps|coverage|symbols|sessions|jobs|backfill|health|info|metrics)": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
});
