import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp, listen, type RunningServer, routeTable } from '../../src/api/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'
import { chunked, rawRequest } from '../support/raw-http.js'

/**
 * Every route's body is bounded whatever its framing: the route table says which routes stream
 * (uploads), and chunked bodies over the limits of the real server are cut while they arrive.
 */
const MiB = 1024 * 1024
let dir: string
let strata: Strata
let app: FastifyInstance
let server: RunningServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-bodies-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  app = await createServerApp(strata, { version: '0.0.0' })
  server = await listen(app)
})
afterAll(async () => {
  await server.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

function* body(bytes: number): Generator<Buffer> {
  yield Buffer.from('{"name":"')
  const piece = Buffer.alloc(64 * 1024, 'x')
  for (let n = 0; n < bytes; n += piece.length) yield piece
  yield Buffer.from('"}')
}

describe('bounded request bodies', () => {
  it('streams bodies only on the upload routes, and bounds every other body at 512 MiB or less', () => {
    const writes = routeTable(app).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
    const streaming = writes.filter((r) => r.streamingBody).map((r) => `${r.method} ${r.url}`)
    expect(streaming.sort()).toEqual(
      ['PUT /api/2.0/mlflow-artifacts/artifacts/*', 'PUT /api/runs/:id/artifacts/*'].sort(),
    )
    for (const r of writes.filter((w) => !w.streamingBody)) {
      expect(r.bodyLimit ?? 8 * MiB, `${r.method} ${r.url}`).toBeLessThanOrEqual(512 * MiB)
    }
  })

  for (const [url, limit] of [
    ['/api/experiments', 8 * MiB],
    ['/features/online', 1 * MiB],
    ['/api/2.0/mlflow/runs/log-batch', 8 * MiB],
  ] as const) {
    it(`answers a chunked body over the limit of ${url} with 413 before reading it all`, async () => {
      // Loopback socket buffers absorb a few MiB before the answer arrives.
      const total = Math.max(limit * 8, 64 * MiB)
      const res = await rawRequest(server.url, {
        head: `POST ${url} HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
        body: chunked(body(total)),
      })
      expect(res.status).toBe(413)
      expect(res.sentBeforeAnswer).toBeLessThan(total / 2)
    })
  }
})
