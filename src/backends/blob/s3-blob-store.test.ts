import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { BlobStore } from '../../ports/index.js'
import { describeBlobStore } from '../../testing/blob-store.suite.js'
import { describeWithService, testServiceUrl } from '../../testing/services.js'
import { S3BlobStore } from './s3-blob-store.js'
import { parseS3Url } from './s3-url.js'

const S3RVER_OVERWRITES_IN_PLACE =
  's3rver rewrites an object file in place, so an in-flight GET or a concurrent PUT sees the other write; AWS S3 does not'

/** True when the test endpoint is s3rver, which names itself as the owner in ListBuckets. */
async function isS3rver(url: string | undefined): Promise<boolean> {
  const endpoint = url === undefined ? undefined : parseS3Url(url).endpoint
  if (endpoint === undefined) return false
  try {
    const response = await fetch(new URL('/', endpoint))
    return (await response.text()).includes('<DisplayName>S3rver</DisplayName>')
  } catch {
    return false
  }
}
const emulatorIsS3rver = await isS3rver(testServiceUrl('s3'))

describeWithService('s3', 'S3BlobStore', (url) => {
  const location = url === '' ? undefined : parseS3Url(url)
  const runPrefix = `${location?.prefix ?? ''}/blob-suite-${Date.now()}-${randomUUID().slice(0, 8)}`
  let counter = 0

  describeBlobStore({
    name: 's3',
    create: () => new S3BlobStore({ ...location!, prefix: `${runPrefix}/${++counter}` }),
    cleanup: async (store: BlobStore) => {
      // A fresh client: the test may have closed its store.
      const cleaner = new S3BlobStore({ ...location!, prefix: (store as S3BlobStore).keyPrefix })
      for await (const info of cleaner.list('')) await cleaner.delete(info.key)
      await cleaner.close()
    },
    ...(emulatorIsS3rver
      ? {
          emulatorLimits: {
            readDuringReplace: S3RVER_OVERWRITES_IN_PLACE,
            concurrentPuts: S3RVER_OVERWRITES_IN_PLACE,
          },
        }
      : {}),
  })

  it('s3: wrong credentials fail with FAILED_PRECONDITION naming AWS_ACCESS_KEY_ID', async () => {
    const store = new S3BlobStore({
      ...location!,
      prefix: `${runPrefix}/auth`,
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' },
    })
    const err = await store.put('k', new Uint8Array([1])).catch((e: unknown) => e)
    await store.close()
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION' })
    expect((err as Error).message).toContain('AWS_ACCESS_KEY_ID')
  })

  it('s3: a missing bucket fails with FAILED_PRECONDITION naming the bucket', async () => {
    const store = new S3BlobStore({ ...location!, bucket: `strata-missing-${randomUUID().slice(0, 8)}` })
    // HEAD answers a bare 404 for a missing bucket too, so stat cannot tell; get and put can.
    for (const call of [() => store.get('k'), () => store.put('k', new Uint8Array([1]))]) {
      const err = await call().catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'FAILED_PRECONDITION' })
      expect((err as Error).message).toContain('strata-missing-')
    }
    await store.close()
  })
})

describe('S3BlobStore without a server', () => {
  it('s3: an unreachable endpoint rejects with UNAVAILABLE naming the endpoint', async () => {
    const port = await closedPort()
    const endpoint = `http://127.0.0.1:${port}`
    const store = new S3BlobStore({
      bucket: 'strata-test',
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    })
    for (const call of [
      () => store.get('k'),
      () => store.put('k', new Uint8Array([1])),
      () => store.stat('k'),
    ]) {
      const err = await call().catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'UNAVAILABLE' })
      expect((err as Error).message).toContain(endpoint)
      expect((err as Error).message).toContain('ECONNREFUSED')
    }
    await store.close()
  })

  it('s3: rejects a part size below the S3 minimum with INVALID_ARGUMENT', () => {
    expect(() => new S3BlobStore({ bucket: 'b', partSize: 1024 })).toThrow(/5 MiB/)
  })
})

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
