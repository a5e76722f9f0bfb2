import { randomUUID } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { describeOnlineStore } from '../../testing/online-store.suite.js'
import { describeWithService } from '../../testing/services.js'
import { RedisOnlineStore } from './redis-online-store.js'

/** A TCP proxy to Redis that a test can cut, to lose the connection without stopping the server. */
async function startProxy(target: URL, port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address')
  return {
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

describeWithService('redis', 'RedisOnlineStore', (url) => {
  const keyPrefix = `strata-test:${randomUUID()}:`
  describeOnlineStore({
    name: 'redis',
    create: () => new RedisOnlineStore({ url, keyPrefix }),
    createWithClock: (now) => new RedisOnlineStore({ url, keyPrefix, now }),
  })
  describeOnlineStore({
    name: 'redis (glob characters in keyPrefix)',
    create: () => new RedisOnlineStore({ url, keyPrefix: `strata-test:[*?]${randomUUID()}:` }),
    modelRuns: 10,
  })

  describe('RedisOnlineStore specifics', () => {
    const raw = url === '' ? undefined : new Redis(url, { lazyConnect: true })
    afterAll(async () => {
      await raw?.quit()
    })

    it('redis: expires a hash at its latest field expiry, and never while a field lacks one', async () => {
      const store = new RedisOnlineStore({ url, keyPrefix })
      const now = Date.now()
      try {
        await store.write('ttl', [
          { entityKey: 'e', field: 'f', value: 1, eventTime: 1, expiresAt: now + 3_600_000 },
          { entityKey: 'e', field: 'g', value: 2, eventTime: 1, expiresAt: now + 7_200_000 },
        ])
        expect(await raw!.pexpiretime(`${keyPrefix}ttl:e`)).toBe(now + 7_200_000)
        await store.write('ttl', [{ entityKey: 'e', field: 'h', value: 3, eventTime: 1 }])
        expect(await raw!.pexpiretime(`${keyPrefix}ttl:e`)).toBe(-1)
        await store.write('ttl', [
          { entityKey: 'e', field: 'h', value: 4, eventTime: 2, expiresAt: now + 60_000 },
        ])
        expect(await raw!.pexpiretime(`${keyPrefix}ttl:e`)).toBe(now + 7_200_000)
      } finally {
        await store.deleteNamespace('ttl')
        await store.close()
      }
    })

    it('redis: takes the key prefix from a keyPrefix URL parameter', async () => {
      const prefix = `strata-test:${randomUUID()}:`
      const withParam = `${url}${url.includes('?') ? '&' : '?'}keyPrefix=${encodeURIComponent(prefix)}`
      const store = new RedisOnlineStore({ url: withParam })
      try {
        await store.write('ns', [{ entityKey: 'k', field: 'f', value: 1, eventTime: 1 }])
        expect(await raw!.exists(`${prefix}ns:k`)).toBe(1)
      } finally {
        await store.deleteNamespace('ns')
        await store.close()
      }
      expect(await raw!.exists(`${prefix}ns:k`)).toBe(0)
    })

    it('redis: rejects with UNAVAILABLE when the connection is lost, and recovers when it returns', async () => {
      const target = new URL(url)
      const proxy = await startProxy(target)
      const store = new RedisOnlineStore({
        url: `redis://127.0.0.1:${proxy.port}${target.pathname}`,
        keyPrefix,
      })
      try {
        await store.write('lost', [{ entityKey: 'k', field: 'f', value: 'before', eventTime: 1 }])
        await proxy.stop()
        await expect(store.read('lost', ['k'])).rejects.toMatchObject({ code: 'UNAVAILABLE' })
        await expect(
          store.write('lost', [{ entityKey: 'k', field: 'f', value: 'during', eventTime: 2 }]),
        ).rejects.toMatchObject({ code: 'UNAVAILABLE' })
        const again = await startProxy(target, proxy.port)
        try {
          expect(await store.read('lost', ['k'])).toEqual([{ f: { value: 'before', eventTime: 1 } }])
          await store.deleteNamespace('lost')
        } finally {
          await again.stop()
        }
      } finally {
        await store.close()
      }
    })
  })
})

describe('RedisOnlineStore without a server', () => {
  // The bound is generous: the client must give up after one reconnect, not retry for tens of seconds.
  it('redis: rejects with UNAVAILABLE naming the URL, without its password, when nothing listens', {
    timeout: 10_000,
  }, async () => {
    const store = new RedisOnlineStore({ url: 'redis://user:s3cret@127.0.0.1:1/0' })
    try {
      const err = await store.read('ns', ['a']).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toMatchObject({ code: 'UNAVAILABLE' })
      const message = (err as Error).message
      expect(message).toContain('127.0.0.1:1')
      expect(message).not.toContain('s3cret')
      await expect(
        store.write('ns', [{ entityKey: 'a', field: 'f', value: 1, eventTime: 1 }]),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE' })
      await expect(store.deleteNamespace('ns')).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    } finally {
      await store.close()
    }
  })

  it('redis: rejects use after close with FAILED_PRECONDITION', async () => {
    const store = new RedisOnlineStore({ url: 'redis://127.0.0.1:1/0' })
    await store.close()
    await expect(store.read('ns', ['a'])).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' })
  })
})
