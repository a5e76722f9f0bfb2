import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { CONFIG_FILES } from '../core/config-file.js'
import { StrataError } from '../core/errors.js'
import { strataVersion } from '../core/version.js'
import {
  FEATURES_TEMPLATE,
  packageJsonTemplate,
  type ScaffoldFile,
  sampleData,
  TRAIN_TEMPLATE,
  TSCONFIG_TEMPLATE,
} from './init-templates.js'

/** What {@link initProject} created or changed. */
export interface InitResult {
  root: string
  configFile: string
  /** Paths written, relative to the root. */
  created: string[]
  /** Scaffold files that already existed and were left as they were (relative to the root). */
  kept: string[]
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
  offline: 'duckdb:', // in-memory DuckDB over Parquet; 'duckdb:.strata/offline.duckdb' to persist__FEATURES__
})
`

/** Options of {@link initProject}. */
export interface InitOptions {
  /** Overwrite an existing config (and scaffold files). */
  force?: boolean
  /** Project name (default: the directory name). */
  name?: string
  /**
   * Also scaffold a TypeScript project to start from (what `strata init` does unless `--bare`);
   * default false: only the config, `.strata/` and the `.gitignore` entry.
   */
  scaffold?: boolean
  /** "Today" of the sample data (default: now). */
  now?: Date
}

/**
 * Scaffolds a project in `dir` (created if missing): `strata.config.ts`, the `.strata/` state
 * directory and a `.strata/` entry in `.gitignore`; with `scaffold`, also a TypeScript project to
 * start from — `package.json` (ESM, the `strata-ml` dependency), `tsconfig.json`, `features.ts`,
 * `train.ts` and a generated sample dataset under `data/` (see `init-templates.ts`). Refuses to
 * overwrite an existing config unless `force` is set (`ALREADY_EXISTS`); other scaffold files
 * that exist are kept (listed in `kept`) unless `force` is set, and an existing `package.json`
 * always is.
 */
export function initProject(dir: string, options: InitOptions = {}): InitResult {
  const root = resolve(dir)
  mkdirSync(root, { recursive: true })
  const existing = CONFIG_FILES.map((f) => join(root, f)).find((f) => existsSync(f))
  if (existing !== undefined && options.force !== true) {
    throw new StrataError('ALREADY_EXISTS', `${existing} already exists; pass --force to overwrite it`, {
      details: { path: existing },
    })
  }
  const created: string[] = []
  const kept: string[] = []
  const configFile = join(root, 'strata.config.ts')
  const name = options.name ?? root.split(/[\\/]/).filter(Boolean).pop() ?? 'strata'
  const config = CONFIG_TEMPLATE.replace('__NAME__', name.replace(/'/g, "\\'")).replace(
    '__FEATURES__',
    options.scaffold === true
      ? "\n  features: 'features.ts', // the definitions `strata apply` registers"
      : '',
  )
  writeFileSync(configFile, config)
  created.push('strata.config.ts')
  if (!existsSync(join(root, '.strata'))) created.push('.strata/')
  mkdirSync(join(root, '.strata'), { recursive: true })
  if (options.scaffold === true) {
    for (const file of scaffoldFiles(name, options.now ?? new Date())) {
      const path = join(root, file.path)
      // An existing package.json is never replaced, not even with force: it is the user's.
      if (existsSync(path) && (options.force !== true || file.path === 'package.json')) {
        kept.push(file.path)
        continue
      }
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, file.text)
      created.push(file.path)
    }
  }

  const gitignore = join(root, '.gitignore')
  let gitignoreUpdated = false
  const ignored = options.scaffold === true ? ['.strata/', 'node_modules/'] : ['.strata/']
  if (existsSync(gitignore)) {
    const text = readFileSync(gitignore, 'utf8')
    const lines = new Set(text.split(/\r?\n/).map((l) => l.trim().replace(/^\//, '').replace(/\/$/, '')))
    const missing = ignored.filter((entry) => !lines.has(entry.replace(/\/$/, '')))
    if (missing.length > 0) {
      writeFileSync(
        gitignore,
        `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`,
      )
      gitignoreUpdated = true
    }
  } else {
    writeFileSync(gitignore, `${ignored.join('\n')}\n`)
    created.push('.gitignore')
  }
  return { root, configFile, created, kept, gitignoreUpdated }
}

function scaffoldFiles(name: string, now: Date): ScaffoldFile[] {
  return [
    { path: 'package.json', text: packageJsonTemplate(name, strataVersion()) },
    { path: 'tsconfig.json', text: TSCONFIG_TEMPLATE },
    { path: 'features.ts', text: FEATURES_TEMPLATE },
    { path: 'train.ts', text: TRAIN_TEMPLATE },
    ...sampleData(now),
  ]
}
