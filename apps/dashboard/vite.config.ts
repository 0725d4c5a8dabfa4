import react from "@vitejs/plugin-react"
import { defineConfig } from "vite"

/** Static files served by the API server at `/`; hashed names under `assets/` are cached for a year. */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles: the server's Content-Security-Policy allows only files from its origin.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    // One bundle of React, Effect and the contract's schemas: about 170 kB gzipped, loaded once.
    chunkSizeWarningLimit: 800
  }
})
