/**
 * The Strata side of `feature-online.bench.ts` over HTTP: a feature store over the bench data,
 * its Feast-shaped handler mounted at `POST /features/online` on the real API stack (`createApiApp`
 * + `listen`), in its own process. Prints the URL as one JSON line, serves until killed.
 * Args: <dir> <online-url> <namespace-prefix>
 */
import { join } from 'node:path'
import { createApiApp, listen, Router } from '../src/api/index.js'
import { createFeastOnlineHandler } from '../src/features/index.js'
import { openFeatureStoreForBench } from './feature-online.setup.js'

const [dir = '', onlineUrl = '', prefix = 'bench'] = process.argv.slice(2)
const { store } = await openFeatureStoreForBench(dir, onlineUrl, prefix, join(dir, 'server-meta.db'))
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
