import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { describeDataRepo, type TestRepo } from '../../../test/support/data-repo-fixture.js'
import { isStrataError } from '../../core/errors.js'
import { blobKeyOf, collect } from '../objects/index.js'

/**
 * Every read of a content-addressed object checks the bytes against the address: a flipped
 * byte or a truncated blob fails with DATA_LOSS naming the object, the dataset path and fsck,
 * on every read path (stream, export, local file for DuckDB), for whole blobs and chunks.
 */
const SMALL = 64 * 1024
const CHUNKS = {
  chunker: { minSize: 16 * 1024, avgSize: 32 * 1024, maxSize: 64 * 1024 },
  chunkThreshold: 64 * 1024,
}

type Damage = 'flip' | 'truncate'

async function damage(t: TestRepo, key: string, how: Damage): Promise<void> {
  const bytes = await collect(await t.blobs.get(key))
  const changed = how === 'flip' ? Buffer.from(bytes) : bytes.subarray(0, bytes.length - 100)
  if (how === 'flip') changed[changed.length >> 1] = (changed[changed.length >> 1] ?? 0) ^ 0xff
  await t.blobs.put(key, changed)
}

async function failure(read: () => Promise<unknown>): Promise<Error> {
  const err = await read().then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  if (err === undefined) throw new Error('the read of a damaged object succeeded')
  return err
}

describeDataRepo('verified reads of damaged objects', (open) => {
  for (const how of ['flip', 'truncate'] as const) {
    for (const shape of ['whole', 'chunked'] as const) {
      it(`fails every read path of a ${shape} file whose ${shape === 'whole' ? 'blob' : 'chunk'} was ${how === 'flip' ? 'corrupted' : 'truncated'}`, async () => {
        const t = await open({ objects: { ...CHUNKS, workers: false } })
        const bytes = randomBytes(shape === 'whole' ? SMALL / 2 : SMALL * 4)
        await t.repo.createDataset('ds')
        await t.repo.commit('ds', { message: 'one', changes: [{ path: 'data/x.bin', bytes }] })
        const file = await t.repo.stat('ds', 'main', 'data/x.bin')
        expect(file.chunks !== undefined).toBe(shape === 'chunked')
        const target =
          shape === 'whole'
            ? blobKeyOf('object', file.object)
            : blobKeyOf('object', (await readManifestChunk(t, file.object)) as string)
        await damage(t, target, how)

        const reads: Record<string, () => Promise<unknown>> = {
          readFile: async () => collect(await t.repo.readFile('ds', 'main', 'data/x.bin')),
          exportTo: () => t.repo.exportTo('ds', 'main', t.tempDir()),
          localFile: () => t.another({ cacheDir: t.tempDir() }).localFile('ds', 'main', 'data/x.bin'),
        }
        for (const [name, read] of Object.entries(reads)) {
          const err = await failure(read)
          expect(isStrataError(err, 'DATA_LOSS'), `${name}: ${err.message}`).toBe(true)
          expect(err.message, name).toContain(target.slice(target.lastIndexOf('/') + 1))
          expect(err.message, name).toContain('"data/x.bin" of dataset ds@main')
          expect(err.message, name).toContain('strata data fsck')
        }
        expect((await t.repo.fsck()).ok).toBe(false)
      })
    }
  }

  it('reads intact files as before', async () => {
    const t = await open({ objects: { ...CHUNKS, workers: false } })
    const small = randomBytes(1000)
    const big = randomBytes(SMALL * 3)
    await t.repo.createDataset('ok')
    await t.repo.commit('ok', {
      message: 'one',
      changes: [
        { path: 'a.bin', bytes: small },
        { path: 'b.bin', bytes: big },
      ],
    })
    expect(Buffer.compare(await collect(await t.repo.readFile('ok', 'main', 'a.bin')), small)).toBe(0)
    expect(Buffer.compare(await collect(await t.repo.readFile('ok', 'main', 'b.bin')), big)).toBe(0)
    expect(await t.repo.exportTo('ok', 'main', t.tempDir())).toMatchObject({ files: 2 })
  })
})

async function readManifestChunk(t: TestRepo, manifestId: string): Promise<string | undefined> {
  const raw = await collect(await t.blobs.get(blobKeyOf('manifest', manifestId)))
  const parsed = JSON.parse(raw.toString('utf8')) as { chunks: [string, number][] }
  return parsed.chunks[1]?.[0]
}
