import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStrata, type Strata } from '../platform/index.js'
import { listen, type RunningServer } from './http/index.js'
import { createServerApp } from './server-app.js'

let dir: string
let strata: Strata
let server: RunningServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-events-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  server = await listen(await createServerApp(strata, { version: '0.0.0', events: { heartbeatMs: 50 } }))
})
afterAll(async () => {
  await server.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Reads server-sent events from a streaming response as they arrive. */
function eventReader(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  return {
    /** The next block (up to a blank line) that is an event, skipping comments. */
    async next(): Promise<Record<string, string>> {
      for (;;) {
        const end = buffered.indexOf('\n\n')
        if (end >= 0) {
          const block = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const fields: Record<string, string> = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue
            const colon = line.indexOf(':')
            fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart()
          }
          if (fields.data !== undefined) return fields
          continue
        }
        const { done, value } = await reader.read()
        if (done) throw new Error('the event stream ended')
        buffered += decoder.decode(value, { stream: true })
      }
    },
    /** Everything received so far, comments included (after waiting for one more read). */
    async raw(): Promise<string> {
      const { value } = await reader.read()
      buffered += decoder.decode(value, { stream: true })
      return buffered
    },
    cancel: () => reader.cancel(),
  }
}

describe('GET /api/events (server-sent events)', () => {
  it('streams one change event per successful write, of the REST and the MLflow API', async () => {
    const controller = new AbortController()
    const res = await fetch(`${server.url}/api/events`, {
      headers: { 'accept-encoding': 'gzip' },
      signal: controller.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(res.headers.get('content-encoding')).toBeNull()
    const events = eventReader(res)
    try {
      const created = await fetch(`${server.url}/api/experiments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'live' }),
      })
      const first = await events.next()
      expect(first.event).toBe('change')
      expect(first.id).toBe('1')
      expect(JSON.parse(first.data ?? '')).toMatchObject({
        type: 'change',
        method: 'POST',
        path: '/api/experiments',
        status: 201,
        principal: strata.principal.id,
        requestId: created.headers.get('x-request-id'),
      })

      // A failed write and a read are not changes; an MLflow client's write is.
      await fetch(`${server.url}/api/experiments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'live' }),
      })
      await fetch(`${server.url}/api/experiments`)
      await fetch(`${server.url}/api/2.0/mlflow/runs/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_id: '0' }),
      })
      const second = await events.next()
      expect(second.id).toBe('2')
      expect(JSON.parse(second.data ?? '')).toMatchObject({
        path: '/api/2.0/mlflow/runs/create',
        status: 200,
      })
    } finally {
      controller.abort()
      await events.cancel().catch(() => {})
    }
  })

  it('keeps an idle stream open with heartbeat comments', async () => {
    const controller = new AbortController()
    const res = await fetch(`${server.url}/api/events`, { signal: controller.signal })
    const events = eventReader(res)
    try {
      let text = ''
      while (!text.includes(': keep-alive')) text = await events.raw()
      expect(text).toContain(': connected')
    } finally {
      controller.abort()
      await events.cancel().catch(() => {})
    }
  })
})
