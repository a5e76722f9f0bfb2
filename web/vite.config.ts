import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * The web UI's build: `web/` → `web/dist/` (index.html and content-hashed `assets/`), served
 * by `strata server` at `/`. Every page is its own chunk (React.lazy), so a page loads only
 * what it draws; the bundle budget is checked by `scripts/check-web-budget.mjs`.
 */
export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      // React Flow marks its module "use client" (for server components); a browser bundle ignores it
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning)
      },
    },
  },
})
