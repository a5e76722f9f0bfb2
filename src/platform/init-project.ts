import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { StrataError } from '../core/errors.js'
import { CONFIG_FILES } from './load-config.js'

/** What {@link initProject} created or changed. */
export interface InitResult {
  root: string
  configFile: string
  /** Paths written, relative to the root. */
  created: string[]
  /** True when `.strata/` was added to an existing `.gitignore`. */
  gitignoreUpdated: boolean
}

const CONFIG_TEMPLATE = `import { defineConfig } from 'strata-ml'

// Every setting is optional; the defaults below are the embedded backends under .strata/.
// Environment variables override each one: STRATA_METADATA_URL, STRATA_BLOBS_URL,
// STRATA_ONLINE_URL, STRATA_OFFLINE_URL.
export default defineConfig({
  project: '__NAME__',
  metadata: 'sqlite:.strata/meta.db', // or 'postgres://user@host:5432/db'
  blobs: 'file:.strata/blobs', // or 's3://bucket/prefix?endpoint=http://host:9000&region=us-east-1'
  online: 'sqlite:.strata/online.db', // or 'redis://host:6379/0'
  offline: 'duckdb:', // in-memory DuckDB over Parquet; 'duckdb:.strata/offline.duckdb' to persist
})
`

/**
 * Scaffolds a project in `dir` (created if missing): `strata.config.ts`, the `.strata/` state
 * directory, and a `.strata/` entry in `.gitignore`. Refuses to overwrite an existing config
 * unless `force` is set (`ALREADY_EXISTS`).
 */
export function initProject(dir: string, options: { force?: boolean; name?: string } = {}): InitResult {
  const root = resolve(dir)
  mkdirSync(root, { recursive: true })
  const existing = CONFIG_FILES.map((f) => join(root, f)).find((f) => existsSync(f))
  if (existing !== undefined && options.force !== true) {
    throw new StrataError('ALREADY_EXISTS', `${existing} already exists; pass --force to overwrite it`, {
      details: { path: existing },
    })
  }
  const created: string[] = []
  const configFile = join(root, 'strata.config.ts')
  const name = options.name ?? root.split(/[\\/]/).filter(Boolean).pop() ?? 'strata'
  writeFileSync(configFile, CONFIG_TEMPLATE.replace('__NAME__', name.replace(/'/g, "\\'")))
  created.push('strata.config.ts')
  if (!existsSync(join(root, '.strata'))) created.push('.strata/')
  mkdirSync(join(root, '.strata'), { recursive: true })

  const gitignore = join(root, '.gitignore')
  let gitignoreUpdated = false
  if (existsSync(gitignore)) {
    const text = readFileSync(gitignore, 'utf8')
    const lines = text.split(/\r?\n/).map((l) => l.trim())
    if (!lines.includes('.strata/') && !lines.includes('.strata') && !lines.includes('/.strata/')) {
      writeFileSync(gitignore, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}.strata/\n`)
      gitignoreUpdated = true
    }
  } else {
    writeFileSync(gitignore, '.strata/\n')
    created.push('.gitignore')
  }
  return { root, configFile, created, gitignoreUpdated }
}
