#!/usr/bin/env node
// The web UI's bundle budget (README "Web UI"), checked after every `npm run build:web`:
// gzip sizes of web/dist/assets. The first page load is the entry (index-*.js + index-*.css);
// every page is its own chunk loaded on demand.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const KiB = 1024
/** Budgets in gzip bytes. */
export const BUDGET = {
  /** What every first load costs: the entry script and stylesheet (React, router, layout). */
  entry: 100 * KiB,
  /** The largest on-demand chunk (the lineage graph: React Flow and its layout). */
  chunk: 120 * KiB,
  /** Everything together. */
  total: 300 * KiB,
}

const dir = join(import.meta.dirname, '..', 'web', 'dist', 'assets')
const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f))
const sizes = files.map((f) => ({ file: f, gzip: gzipSync(readFileSync(join(dir, f)), { level: 9 }).length }))
const entry = sizes.filter((s) => /^index-/.test(s.file)).reduce((n, s) => n + s.gzip, 0)
const largest = sizes.filter((s) => !/^index-/.test(s.file)).sort((a, b) => b.gzip - a.gzip)[0]
const total = sizes.reduce((n, s) => n + s.gzip, 0)
const kib = (n) => `${(n / KiB).toFixed(1)} KiB`
const failures = []
if (entry > BUDGET.entry) failures.push(`entry ${kib(entry)} > ${kib(BUDGET.entry)}`)
if (largest && largest.gzip > BUDGET.chunk)
  failures.push(`chunk ${largest.file} ${kib(largest.gzip)} > ${kib(BUDGET.chunk)}`)
if (total > BUDGET.total) failures.push(`total ${kib(total)} > ${kib(BUDGET.total)}`)
const line = `web UI bundle (gzip): entry ${kib(entry)} / ${kib(BUDGET.entry)}, largest chunk ${largest ? `${largest.file.replace(/-[\w-]{8}\./, '.')} ${kib(largest.gzip)}` : 'none'} / ${kib(BUDGET.chunk)}, total ${kib(total)} / ${kib(BUDGET.total)}`
if (failures.length > 0) {
  console.error(`${line}\nover budget: ${failures.join('; ')}`)
  process.exit(1)
}
console.log(line)
