/**
 * The Strata side of `feature-online.bench.ts` over HTTP: a feature store over the bench data,
 * its Feast-shaped handler at `POST /features/online`, in its own process, mounted either on the
 * API stack (`createApiApp` + `listen`, mode `api`) or on a bare `node:http` server with the JSON
 * text handler (mode `raw`, the fast path a server can give this one route). Prints the URL as
 * one JSON line, serves until killed. Args: <dir> <online-url> <namespace-prefix> [api|raw]
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createApiApp, listen, Router } from '../src/api/index.js'
import { createFeastOnlineHandler, createFeastOnlineJsonHandler } from '../src/features/index.js'
import { openFeatureStoreForBench } from './feature-online.setup.js'

const [dir = '', onlineUrl = '', prefix = 'bench', mode = 'api'] = process.argv.slice(2)
const { store } = await openFeatureStoreForBench(dir, onlineUrl, prefix, join(dir, 'server-meta.db'))
if (mode === 'raw') {
  const handleText = createFeastOnlineJsonHandler(store)
  const raw = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handleText(Buffer.concat(chunks).toString('utf8')).then(
        (out) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
          res.end(out)
        },
        (err: unknown) => {
          res.writeHead(400, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: String(err) }))
        },
      )
    })
  })
  raw.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}` }))
  })
  process.on('SIGTERM', () => raw.close(() => process.exit(0)))
} else {
  const handle = createFeastOnlineHandler(store)
  // The response holds only JSON values, so it skips the API's generic (bigint/Map) replacer.
  const router = new Router().post(
    '/online',
    async (req) =>
      new Response(JSON.stringify(await handle(await req.json())), {
        headers: { 'content-type': 'application/json' },
      }),
  )
  const server = await listen(createApiApp([{ prefix: '/features', router }]), { port: 0 })
  console.log(JSON.stringify({ url: server.url }))
  process.on('SIGTERM', () => {
    void server.close().then(() => process.exit(0))
  })
}
