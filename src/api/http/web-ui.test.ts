import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpApp } from './create-http-app.js'
import { spaFallback, webUi } from './web-ui.js'

const INDEX = '<!doctype html><title>Strata</title><script src="/assets/index-BQ3pRdsx.js"></script>'
const SCRIPT = `console.log(${JSON.stringify('strata '.repeat(400))})`

let root: string
let app: FastifyInstance

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'strata-web-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), INDEX)
  writeFileSync(join(root, 'assets', 'index-BQ3pRdsx.js'), SCRIPT)
  writeFileSync(join(root, 'robots.txt'), 'User-agent: *\n')
  app = await createHttpApp({ version: '0', fallback: spaFallback })
  app.get('/api/thing', () => ({ ok: true }))
  await webUi(app, { root })
})
afterAll(async () => {
  await app.close()
  rmSync(root, { recursive: true, force: true })
})

const html = { accept: 'text/html,application/xhtml+xml' }

describe('web UI static files', () => {
  it('serves index.html at / revalidated on every load, with an ETag', async () => {
    const res = await app.inject({ url: '/', headers: html })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.body).toBe(INDEX)
    const again = await app.inject({
      url: '/',
      headers: { ...html, 'if-none-match': String(res.headers.etag) },
    })
    expect(again.statusCode).toBe(304)
  })

  it('serves hashed assets as immutable for a year, gzipped for clients that accept it', async () => {
    const res = await app.inject({ url: '/assets/index-BQ3pRdsx.js', headers: { 'accept-encoding': 'gzip' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(res.headers['content-encoding']).toBe('gzip')
    const plain = await app.inject({ url: '/robots.txt' })
    expect([plain.statusCode, plain.headers['cache-control']]).toEqual([200, 'no-cache'])
  })

  it("answers the UI's own routes with index.html, and leaves the API's 404s and non-page requests alone", async () => {
    const page = await app.inject({ url: '/runs/0123?tab=metrics', headers: html })
    expect([page.statusCode, page.body]).toEqual([200, INDEX])
    const api = await app.inject({ url: '/api/nope', headers: html })
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url: '/runs/0123', headers: html })).statusCode).toBe(404)
    // Exact routes per file: a wrong method on an API path is still a 405, not swallowed by the UI.
    expect((await app.inject({ method: 'DELETE', url: '/api/thing' })).statusCode).toBe(405)
  })

  it('refuses a UI folder without index.html', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'strata-web-empty-'))
    const other = await createHttpApp({ version: '0' })
    try {
      await expect(webUi(other, { root: empty })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' })
    } finally {
      await other.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
