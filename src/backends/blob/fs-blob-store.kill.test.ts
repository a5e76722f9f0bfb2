import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { readAll, seededBytes, sha256 } from '../../testing/blob-bytes.js'
import { FS_TEMP_DIR } from './fs-blob-layout.js'
import { FsBlobStore } from './fs-blob-store.js'

const CHILD = fileURLToPath(new URL('./testdata/fs-blob-kill-child.mjs', import.meta.url))
const ITERATIONS = 30
const SLOT_KEYS = new Set([
  'slot-0',
  'slot-1',
  'nested/a/slot-2',
  'nested/a/slot-2/under',
  'nested/b%/slot-4',
])

/** Checks one object the child wrote: its self-describing header, its bytes and (for "h/") its name. */
function checkObject(key: string, bytes: Buffer): void {
  expect(bytes.byteLength, `${key} has a header`).toBeGreaterThanOrEqual(16)
  expect(bytes.subarray(0, 4).toString(), `${key} magic`).toBe('STRK')
  const seed = bytes.readUInt32LE(4)
  const length = bytes.readUInt32LE(8)
  expect(bytes.byteLength, `${key} is whole`).toBe(length)
  expect(sha256(bytes.subarray(16)), `${key} content`).toBe(sha256(seededBytes(seed, length - 16)))
  if (key.startsWith('h/')) expect(sha256(bytes), `${key} matches its name`).toBe(key.slice(2))
  else expect(SLOT_KEYS.has(key), `${key} is a key the child writes`).toBe(true)
}

/** Runs the child until it has started `puts` puts, lets it run `delayMs` more, then SIGKILLs it. */
async function runAndKill(root: string, seed: number, puts: number, delayMs: number): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, root, String(seed)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString()
  })
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ?? code))
  })
  let started = 0
  const lines = createInterface({ input: child.stdout! })
  const reachedTarget = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line.startsWith('put-start ') && ++started === puts) resolve()
    })
  })
  const outcome = await Promise.race([reachedTarget.then(() => 'running' as const), exited])
  if (outcome !== 'running') throw new Error(`kill-test child exited early (${outcome}): ${stderr}`)
  await new Promise((resolve) => setTimeout(resolve, delayMs))
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')
  lines.close()
}

describe('FsBlobStore crash safety', () => {
  const roots: string[] = []
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true })
  })

  it('fs: after repeated SIGKILLs mid-put every listed object is whole, no temp file is listed, and puts still work', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-fs-kill-'))
    roots.push(root)
    let objectsChecked = 0
    for (let i = 0; i < ITERATIONS; i++) {
      await runAndKill(root, i + 1, 1 + (i % 3), Math.floor(Math.random() * 40))
      const store = new FsBlobStore({ root })
      for await (const info of store.list('')) {
        const bytes = (await readAll(await store.get(info.key))).bytes
        expect(info.size, `${info.key} listed size`).toBe(bytes.byteLength)
        checkObject(info.key, bytes)
        objectsChecked++
      }
      await store.close()
    }
    // Kills landed mid-put (their temp files are still there, too young to sweep), and survivors were checked.
    const tempDir = join(root, FS_TEMP_DIR)
    expect((await readdir(tempDir)).length).toBeGreaterThan(0)
    expect(objectsChecked).toBeGreaterThan(0)

    const store = new FsBlobStore({ root })
    const keys = new Set(SLOT_KEYS)
    for await (const info of store.list('')) keys.add(info.key)
    for (const key of keys) {
      const fresh = new TextEncoder().encode(`fresh value of ${key}`)
      await store.put(key, fresh)
      expect((await readAll(await store.get(key))).bytes.toString()).toBe(`fresh value of ${key}`)
    }
    expect((await collectKeys(store)).sort()).toEqual([...keys].sort())
    await store.close()

    // A store that considers every temp file stale sweeps the leftovers on its first put.
    const sweeper = new FsBlobStore({ root, staleTempMs: 0 })
    await sweeper.put('slot-0', new Uint8Array([1]))
    expect(await readdir(tempDir)).toEqual([])
  }, 240_000)
})

async function collectKeys(store: FsBlobStore): Promise<string[]> {
  const keys: string[] = []
  for await (const info of store.list('')) keys.push(info.key)
  return keys
}
