import { describe, expect, it } from 'vitest'
import { REST_API } from '../core/rest/index.js'
import { fillPath, queryString, ROUTES, StrataClient } from './index.js'

describe('the typed client', () => {
  it('names every route with the method and path of the REST contract', () => {
    for (const [group, routes] of Object.entries(ROUTES)) {
      for (const [name, route] of Object.entries(routes)) {
        const contract = (REST_API as Record<string, Record<string, { method: string; path: string }>>)[
          group
        ]?.[name]
        expect(contract, `${group}.${name}`).toBeDefined()
        expect({ method: route.method, path: route.path }).toEqual({
          method: contract!.method,
          path: contract!.path,
        })
      }
    }
  })

  it('fills path parameters URL-encoded, keeping the slashes of a rest-of-path parameter', () => {
    expect(fillPath('/api/lineage/:node/upstream', { node: 'model-version:a b/3' })).toBe(
      '/api/lineage/model-version%3Aa%20b%2F3/upstream',
    )
    expect(fillPath('/api/runs/:id/artifacts/*', { id: 'r1', '*': 'plots/a b.png' })).toBe(
      '/api/runs/r1/artifacts/plots/a%20b.png',
    )
    expect(() => fillPath('/api/runs/:id', {})).toThrow('missing path parameter id')
  })

  it('repeats list parameters and leaves out empty ones', () => {
    expect(queryString({ experimentId: ['1', '2'], filter: '', maxResults: 10, pageToken: undefined })).toBe(
      '?experimentId=1&experimentId=2&maxResults=10',
    )
    expect(queryString({})).toBe('')
  })

  it("rejects with the server's error code and message", async () => {
    const client = new StrataClient({
      fetch: async () =>
        new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'run abc not found' } }), {
          status: 404,
          headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
        }),
    })
    await expect(client.call('runs', 'get', { params: { id: 'abc' } })).rejects.toMatchObject({
      name: 'ApiError',
      status: 404,
      code: 'NOT_FOUND',
      message: 'run abc not found',
      requestId: 'req-1',
    })
  })

  it('reports an unreachable server as a ConnectionError', async () => {
    const client = new StrataClient({
      fetch: async () => {
        throw new TypeError('fetch failed')
      },
    })
    await expect(client.call('server', 'health', {})).rejects.toMatchObject({ name: 'ConnectionError' })
  })

  it('reads a file route unparsed with the token in the Authorization header, never in the URL', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = []
    const client = new StrataClient({
      token: () => 'strata_secret',
      fetch: async (input, init) => {
        seen.push({ url: String(input), headers: init?.headers as Record<string, string> })
        return new Response('{"a":1}', { status: 206, headers: { 'content-type': 'application/json' } })
      },
    })
    const res = await client.request(
      'runs',
      'getArtifact',
      { params: { id: 'r1', '*': 'out/a.json' } },
      { headers: { range: 'bytes=0-9' } },
    )
    // a JSON artifact stays a Response: its bytes are the file, not an answer to parse
    expect(res.status).toBe(206)
    expect(await res.text()).toBe('{"a":1}')
    expect(seen).toEqual([
      {
        url: '/api/runs/r1/artifacts/out/a.json',
        headers: { range: 'bytes=0-9', authorization: 'Bearer strata_secret' },
      },
    ])
  })
})
