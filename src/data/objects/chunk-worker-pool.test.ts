import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ChunkWorkerPool } from './chunk-worker-pool.js'
import { GearChunker } from './gear-chunker.js'
import { sha256Hex } from './object-id.js'

const chunker = new GearChunker({ minSize: 8 * 1024, avgSize: 32 * 1024, maxSize: 128 * 1024 })

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

describe('ChunkWorkerPool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-chunk-pool-'))
  const pool = new ChunkWorkerPool(1)
  afterAll(async () => {
    await pool.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('cuts and hashes a file in a worker exactly as the in-thread chunker does, in order', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3)
    const path = join(dir, 'a.bin')
    writeFileSync(path, data)
    const expected: { id: string; size: number }[] = []
    for await (const c of chunker.split(once(data))) expected.push({ id: sha256Hex(c), size: c.byteLength })
    const got: { id: string; size: number; ok: boolean }[] = []
    const result = await pool.tryRun(path, chunker, 2, async (bytes, id) => {
      got.push({ id, size: bytes.byteLength, ok: sha256Hex(bytes) === id })
      await new Promise((r) => setTimeout(r, 1))
    })
    expect(result).toEqual({ size: data.byteLength, changed: false })
    expect(got.every((g) => g.ok)).toBe(true)
    expect(got.map(({ id, size }) => ({ id, size }))).toEqual(expected)
  })

  it('reports busy when every worker has a task, and surfaces sink errors and missing files', async () => {
    const path = join(dir, 'b.bin')
    writeFileSync(path, randomBytes(1024 * 1024))
    let release = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const first = pool.tryRun(path, chunker, 1, () => gate)
    expect(first).toBeDefined()
    expect(pool.tryRun(path, chunker, 1, async () => {})).toBeUndefined()
    release()
    await first
    await expect(
      pool.tryRun(path, chunker, 1, async () => {
        throw new Error('upload failed')
      }),
    ).rejects.toThrow('upload failed')
    await expect(pool.tryRun(join(dir, 'missing.bin'), chunker, 1, async () => {})).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
  })
})
