import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { lineageMigrations } from '../data/lineage/index.js'
import { openMetadataDatabase, runMigrations } from '../db/index.js'
import { registryMigrations } from './registry-migrations.js'

const script = fileURLToPath(new URL('./testdata/register-concurrently-child.mjs', import.meta.url))

/** Starts a child process; resolves `ready` when it printed "ready", `done` with its last line. */
function child(args: string[]) {
  const proc = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    if (out.startsWith('ready\n')) onReady()
  })
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const done = new Promise<number[]>((resolve, reject) => {
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${err}`))
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as number[])
    })
  })
  return { ready, done }
}

describe('ModelRegistry [sqlite, two processes]', () => {
  it('gives registrations racing from two processes on one SQLite file distinct version numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-registry-race-'))
    try {
      const db = join(dir, 'meta.db')
      const md = await openMetadataDatabase({ dialect: 'sqlite', location: db, url: 'sqlite:test' })
      await runMigrations(md, [...lineageMigrations, ...registryMigrations])
      await md.close()
      const go = join(dir, 'go')
      const a = child([db, go, '15', 'a'])
      const b = child([db, go, '15', 'b'])
      await Promise.all([a.ready, b.ready])
      writeFileSync(go, '')
      const [va, vb] = await Promise.all([a.done, b.done])
      const all = [...va, ...vb].sort((x, y) => x - y)
      expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
      // Each process saw its own numbers increase.
      for (const v of [va, vb])
        for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThan(v[i - 1] as number)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
