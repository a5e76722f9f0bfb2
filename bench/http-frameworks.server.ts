/**
 * One server of `http-frameworks.bench.ts`, in its own process, all over the same seeded
 * services: `strata` — `createServerApp` + `listen`, exactly what `strata server` runs now (the
 * Fastify layer with every route); `node` — the hand-written node:http stack `strata server` ran
 * before issue 17, frozen in `bench/legacy/`, serving the bench routes; or the step-1 prototypes
 * of the bench routes on `fastify` or `hono` (`hono-nolimit`: without its body-limit
 * middleware). Prints one JSON line `{ url, runId, downloadPath, uploadPath, timeouts }` and
 * serves until SIGTERM.
 * Args: <strata|node|fastify|hono|hono-nolimit> <setup as JSON (HttpBenchSetup)>
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createFeastOnlineJsonHandler } from '../src/api/feast/index.js'
import { createServerApp, listen } from '../src/api/index.js'
import { createFastifyBenchApp } from './http-frameworks.fastify.js'
import { createHonoBenchApp } from './http-frameworks.hono.js'
import { benchHandlers, type Framework, SERVERS } from './http-frameworks.routes.js'
import { type HttpBenchSetup, openHttpBenchServices } from './http-frameworks.setup.js'
import { createLegacyServerApp } from './legacy/legacy-server-app.js'
import { listen as listenLegacy } from './legacy/node-server.js'

const HOST = '127.0.0.1'

async function start(framework: Framework, setup: HttpBenchSetup) {
  const services = await openHttpBenchServices(setup)
  let url: string
  let server: Server
  let stop: () => Promise<void>
  if (framework === 'strata' || framework === 'node') {
    const running =
      framework === 'strata'
        ? await listen(await createServerApp(services.strata, { version: 'bench' }), { host: HOST })
        : await listenLegacy(
            createLegacyServerApp(benchHandlers(services), createFeastOnlineJsonHandler(services.features)),
            { host: HOST },
          )
    url = running.url
    server = running.server
    stop = running.close
  } else if (framework === 'fastify') {
    const app = await createFastifyBenchApp(benchHandlers(services))
    url = await app.listen({ host: HOST, port: 0 })
    server = app.server
    stop = () => app.close()
  } else {
    const app = createHonoBenchApp(benchHandlers(services), { bodyLimit: framework === 'hono' })
    const hono = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: HOST, port: 0 }, () => resolve(s as Server))
    })
    hono.keepAliveTimeout = 65_000
    server = hono
    url = `http://${HOST}:${(hono.address() as AddressInfo).port}`
    stop = () =>
      new Promise((resolve) => {
        hono.close(() => resolve())
        hono.closeAllConnections()
      })
  }
  const { runId, downloadPath, uploadPath } = services
  const timeouts = {
    request: server.requestTimeout,
    headers: server.headersTimeout,
    keepAlive: server.keepAliveTimeout,
    idle: server.timeout,
  }
  console.log(JSON.stringify({ url, runId, downloadPath, uploadPath, timeouts }))
  process.on('SIGTERM', () => {
    void stop()
      .then(() => services.close())
      .finally(() => process.exit(0))
  })
}

const [framework = '', setupJson = '{}'] = process.argv.slice(2)
if (!(SERVERS as readonly string[]).includes(framework)) {
  console.error(`unknown server "${framework}"; expected one of ${SERVERS.join(', ')}`)
  process.exit(2)
}
await start(framework as Framework, JSON.parse(setupJson) as HttpBenchSetup)
