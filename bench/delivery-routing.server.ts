/**
 * The server side of `delivery-routing.bench.ts`: a fresh project with two versions of the
 * linear ONNX model (same function), served as `strata server` serves them, in its own process:
 * `plain` (a plain deployment, no policy), `direct` (a deployment serving one version),
 * `canary` (10 % to the candidate, keyless), `ab` (sticky 90/10 split on `x-user-id`) and
 * `shadow` (100 % mirrored to the candidate). Prints the URL as one JSON line, serves until killed.
 * Args: <dir>
 */
import { createServerApp, listen } from '../src/api/index.js'
import { openStrata } from '../src/platform/index.js'
import { linearOnnx } from '../test/support/serving-models.js'

const [dir = ''] = process.argv.slice(2)
const strata = await openStrata({ cwd: dir, config: { project: 'delivery-bench' }, env: {} })
const registry = await strata.registry()
await registry.registerVersion('linear', { onnx: linearOnnx() })
await registry.registerVersion('linear', { onnx: linearOnnx() })
await registry.setAlias('linear', 'champion', 1)
const server = await strata.serving()
await server.deploy('linear/1', { as: 'plain' })
const delivery = await strata.delivery()
const long = { intervalMs: 3_600_000, guards: ['error_rate<=0.5@1000000'] }
await delivery.create('direct', { model: 'linear' })
await delivery.create('canary', { model: 'linear', candidate: 2, steps: [10], ...long })
await delivery.create('ab', {
  model: 'linear',
  candidate: 2,
  strategy: 'ab',
  split: { 1: 90, 2: 10 },
  sticky: { header: 'x-user-id' },
  ...long,
})
await delivery.create('shadow', { model: 'linear', candidate: 2, strategy: 'shadow', mirror: 100, ...long })
const controller = await strata.deliveryController()
await controller.sync()
controller.start()
const app = await createServerApp(strata, { version: 'bench' })
const listening = await listen(app, { port: 0 })
console.log(JSON.stringify({ url: listening.url }))
process.on('SIGTERM', () => {
  void listening.close().then(() => strata.close().then(() => process.exit(0)))
})
