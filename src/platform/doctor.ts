import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import { redactUri } from '../core/backend-uri.js'
import { type BackendSetting, DEFAULT_BACKENDS } from '../core/config.js'
import { errorMessage, isStrataError } from '../core/errors.js'
import { writeTransaction } from '../db/index.js'
import type { BackendTypes } from './backend-registry.js'
import type { Strata } from './strata.js'

/** The outcome of checking one configured backend. */
export interface DoctorCheck {
  setting: BackendSetting
  /** The configured URI, password redacted. */
  uri: string
  /** Backend kind, e.g. `sqlite`, `postgres`, `fs`, `s3`, `redis`, `duckdb`. */
  kind: string
  ok: boolean
  reachable: boolean
  writable: boolean
  version: string | undefined
  /** Round-trip time of the write/read/delete probe in milliseconds. */
  latencyMs: number | undefined
  /** Why the check failed (one line), when it did. */
  error: string | undefined
  errorCode: string | undefined
}

type Probe<S extends BackendSetting> = (
  backend: BackendTypes[S],
  strata: Strata,
) => Promise<{ version: string }>

const probes: { [S in BackendSetting]: Probe<S> } = {
  metadata: async (md) => {
    const db = md.db as Kysely<object>
    const table = `strata_doctor_${randomBytes(4).toString('hex')}`
    // A write inside a rolled-back transaction proves writability without leaving anything behind.
    await writeTransaction(db, async (trx) => {
      await sql.raw(`create table ${table} (id integer)`).execute(trx)
      await sql.raw(`insert into ${table} values (1)`).execute(trx)
      throw new Rollback()
    }).catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err
    })
    return { version: await md.version() }
  },
  blobs: async (blobs) => {
    const key = `.doctor/probe-${randomBytes(6).toString('hex')}`
    const body = randomBytes(1024)
    await blobs.put(key, body)
    const chunks: Uint8Array[] = []
    for await (const chunk of await blobs.get(key)) chunks.push(chunk)
    await blobs.delete(key)
    if (!Buffer.concat(chunks).equals(body)) throw new Error('the probe object read back differently')
    return { version: blobs.kind }
  },
  online: async (online) => {
    const ns = `__strata_doctor_${randomBytes(4).toString('hex')}`
    await online.write(ns, [{ entityKey: 'probe', field: 'f', value: { ok: 1 }, eventTime: Date.now() }])
    const [read] = await online.read(ns, ['probe'])
    await online.deleteNamespace(ns)
    if (read?.f === undefined) throw new Error('the probe value read back missing')
    return { version: online.kind }
  },
  offline: async (engine, strata) => {
    const dir = join(strata.config.root, '.strata', 'tmp')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `doctor-${randomBytes(4).toString('hex')}.parquet`)
    try {
      const { rows } = await engine.writeParquet('select 42 as answer', file)
      if (rows !== 1) throw new Error(`probe Parquet write reported ${rows} rows, expected 1`)
    } finally {
      rmSync(file, { force: true })
    }
    return { version: await engine.version() }
  },
}

class Rollback extends Error {}

/**
 * Checks every configured backend: opens it (reachable), runs a write/read/delete probe
 * (writable, latency) and asks its version. Never throws; each failure is a check with `ok: false`.
 */
export async function runDoctor(strata: Strata): Promise<DoctorCheck[]> {
  const settings = Object.keys(DEFAULT_BACKENDS) as BackendSetting[]
  return Promise.all(settings.map((setting) => check(strata, setting)))
}

async function check<S extends BackendSetting>(strata: Strata, setting: S): Promise<DoctorCheck> {
  const uri = redactUri(strata.config[setting])
  const result: DoctorCheck = {
    setting,
    uri,
    kind: uri.split(':')[0] ?? '',
    ok: false,
    reachable: false,
    writable: false,
    version: undefined,
    latencyMs: undefined,
    error: undefined,
    errorCode: undefined,
  }
  let backend: BackendTypes[S] | undefined
  try {
    backend = await strata.openRaw(setting)
    result.reachable = true
    result.kind = 'kind' in backend ? String(backend.kind) : backend.dialect
    const start = performance.now()
    const { version } = await (probes[setting] as Probe<S>)(backend, strata)
    result.latencyMs = Math.round((performance.now() - start) * 100) / 100
    result.writable = true
    result.version = version
    result.ok = true
  } catch (err) {
    result.error = errorMessage(err).split('\n')[0]
    result.errorCode = isStrataError(err) ? err.code : 'INTERNAL'
  } finally {
    await backend?.close().catch(() => {})
  }
  return result
}
