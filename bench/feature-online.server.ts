/**
 * The Strata side of `feature-online.bench.ts` over HTTP: a feature store over the bench data,
 * its Feast-shaped handler at `POST /features/online`, in its own process, served either as
 * `strata server` serves it (the HTTP layer of `createHttpApp` with the feature routes, mode
 * `api`) or on a bare `node:http` server with the JSON text handler (mode `raw`, the least any
 * server can do for this one route). Prints the URL as one JSON line, serves until killed.
 * Args: <dir> <online-url> <namespace-prefix> [api|raw]
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createFeastOnlineJsonHandler } from '../src/api/feast/index.js'
import { featureRoutes } from '../src/api/feature-routes.js'
import { createHttpApp, listen } from '../src/api/index.js'
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
  // What `strata server` serves: the feature routes on the server's HTTP layer.
  const app = await createHttpApp({ version: 'bench' })
  await app.register(featureRoutes(async () => store))
  const server = await listen(app, { port: 0 })
  console.log(JSON.stringify({ url: server.url }))
  process.on('SIGTERM', () => {
    void server.close().then(() => process.exit(0))
  })
}
