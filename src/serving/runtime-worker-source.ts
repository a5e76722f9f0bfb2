/**
 * The code each model worker thread runs (CommonJS, evaluated with `eval: true`, so it needs no
 * build step). `workerData`: `{ kind, path, ortPath, jitiPath }`. It loads the model once —
 * an onnxruntime session (one intra-op thread: the pool gives parallelism) or the predictor
 * module through jiti (TypeScript without a build) — reports `{ ready }` or `{ loadError }`, then
 * answers `{ id, inputs, outputs }` messages with `{ id, outputs }` or `{ id, error }`.
 */
export const RUNTIME_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const path = require('node:path')
const d = workerData
const message = (err) => String((err && err.message) || err)
let run
async function load() {
  if (d.kind === 'onnx') {
    const ort = require(d.ortPath)
    const session = await ort.InferenceSession.create(d.path, { intraOpNumThreads: 1, interOpNumThreads: 1 })
    run = async (inputs, outputs) => {
      const feeds = {}
      for (const t of inputs) feeds[t.name] = new ort.Tensor(t.type, t.data, t.dims)
      const result = outputs === undefined ? await session.run(feeds) : await session.run(feeds, outputs)
      return Object.keys(result).map((name) => {
        const t = result[name]
        return { name, type: t.type, dims: Array.from(t.dims, Number), data: t.data }
      })
    }
    return
  }
  const { createJiti } = require(d.jitiPath)
  const jiti = createJiti(d.path, { moduleCache: false })
  const mod = await jiti.import(d.path)
  const predict = typeof mod.predict === 'function' ? mod.predict : mod.default && mod.default.predict
  if (typeof predict !== 'function') throw new Error(path.basename(d.path) + ' exports no predict function')
  const init = typeof mod.load === 'function' ? mod.load : mod.default && mod.default.load
  if (typeof init === 'function') await init({ dir: path.dirname(d.path) })
  run = async (inputs, outputs) => {
    const byName = {}
    for (const t of inputs) byName[t.name] = { type: t.type, dims: t.dims, data: t.data }
    const result = await predict(byName)
    if (result === null || typeof result !== 'object') throw new Error('predict returned ' + result + ', not an object of outputs')
    const names = outputs === undefined ? Object.keys(result) : outputs
    return names.map((name) => {
      const t = result[name]
      if (t === undefined || t === null) return { name, missing: true }
      const data = ArrayBuffer.isView(t.data) ? t.data : Array.from(t.data)
      return { name, type: t.type, dims: Array.from(t.dims, Number), data }
    })
  }
}
const ready = load()
ready.then(
  () => parentPort.postMessage({ ready: true }),
  (err) => parentPort.postMessage({ loadError: message(err) }),
)
parentPort.on('message', (m) => {
  ready
    .then(() => run(m.inputs, m.outputs))
    .then(
      (outputs) => parentPort.postMessage({ id: m.id, outputs }),
      (err) => parentPort.postMessage({ id: m.id, error: message(err) }),
    )
})
`
