import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'

/** Uploaded artifacts cannot run script on the API's origin; artifact paths cannot leave their run. */
let dir: string
let strata: Strata
let app: FastifyInstance
let runId: string

const FILES: Record<string, { body: string; active: boolean }> = {
  'page.html': { body: '<script>fetch("/api/experiments",{method:"DELETE"})</script>', active: true },
  'image.svg': { body: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', active: true },
  'code.js': { body: 'alert(1)', active: true },
  'doc.xhtml': { body: '<html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>', active: true },
  'no-extension': { body: '<html><script>1</script></html>', active: false },
  'notes.txt': { body: 'hello', active: false },
  'table.csv': { body: 'a,b\n1,2\n', active: false },
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-artifacts-sec-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  app = await createServerApp(strata, { version: '0.0.0' })
  const run = await app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ experiment: 'Default', name: 'artifacts' }),
  })
  runId = run.json().info.runId
  for (const [name, { body }] of Object.entries(FILES)) {
    const rest = await app.inject({
      method: 'PUT',
      url: `/api/runs/${runId}/artifacts/${name}`,
      payload: body,
    })
    expect(rest.statusCode, rest.body).toBeLessThan(300)
    const proxy = await app.inject({
      method: 'PUT',
      url: `/api/2.0/mlflow-artifacts/artifacts/${runId}/artifacts/${name}`,
      payload: body,
    })
    expect(proxy.statusCode, proxy.body).toBeLessThan(300)
  }
})
afterAll(async () => {
  await app.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('artifact responses carry the safe headers', () => {
  for (const api of ['rest', 'mlflow-artifacts'] as const) {
    it(`serves active types as text/plain attachments, with nosniff and a sandboxing CSP (${api})`, async () => {
      for (const [name, { body, active }] of Object.entries(FILES)) {
        const url =
          api === 'rest'
            ? `/api/runs/${runId}/artifacts/${name}`
            : `/api/2.0/mlflow-artifacts/artifacts/${runId}/artifacts/${name}`
        const res = await app.inject({ method: 'GET', url })
        expect(res.statusCode, `${name}: ${res.body}`).toBe(200)
        expect(res.body).toBe(body)
        expect(res.headers['x-content-type-options'], name).toBe('nosniff')
        expect(res.headers['content-security-policy'], name).toContain("default-src 'none'")
        expect(res.headers['content-security-policy'], name).toContain('sandbox')
        const type = String(res.headers['content-type'])
        expect(type, name).not.toMatch(/html|svg|javascript|xml/)
        // Active bytes go out as a download (octet-stream) or as a text/plain attachment.
        if (active) expect(type, name).toMatch(/^(text\/plain|application\/octet-stream)/)
        if (active && type.startsWith('text/plain'))
          expect(res.headers['content-disposition'], name).toMatch(/^attachment; filename="/)
      }
    })
  }
})

describe('artifact paths stay inside their run (held-up probe checks)', () => {
  // Encoded so that URL normalization does not resolve them before the server sees them.
  const VARIANTS = [
    '..%2fother',
    '..%2f..%2fother',
    '%2e%2e%2fother',
    'a%2f..%2f..%2f..%2fx',
    '..%2F..%2F..%2Fetc%2Fpasswd',
  ]
  it('refuses traversal on the REST artifact routes', async () => {
    for (const v of VARIANTS) {
      for (const method of ['GET', 'PUT'] as const) {
        const res = await app.inject({
          method,
          url: `/api/runs/${runId}/artifacts/${v}`,
          ...(method === 'PUT' ? { payload: 'x' } : {}),
        })
        expect([400, 404], `${method} ${v}: ${res.statusCode} ${res.body}`).toContain(res.statusCode)
      }
    }
  })
  it('refuses traversal on the MLflow artifact proxy', async () => {
    for (const v of VARIANTS) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const res = await app.inject({
          method,
          url: `/api/2.0/mlflow-artifacts/artifacts/${runId}/artifacts/${v}`,
          ...(method === 'PUT' ? { payload: 'x' } : {}),
        })
        expect([400, 404], `${method} ${v}: ${res.statusCode} ${res.body}`).toContain(res.statusCode)
      }
    }
  })
})
