import {
  CONTROL,
  CONTROL_BYTES,
  REGION_BYTES,
  RESPONSE,
  readChannelTensors,
  writeChannelTensors,
} from './tensor-channel.js'

/**
 * The code each model worker thread runs (CommonJS, evaluated with `eval: true`, so it needs no
 * build step). `workerData`: `{ kind, path, ortPath, jitiPath, channel?, requests? }`. It loads
 * the model once — an onnxruntime session (one intra-op thread: the pool gives parallelism) or
 * the predictor module through jiti (TypeScript without a build) — reports `{ ready }` or
 * `{ loadError }`, then answers `{ id, inputs, outputs }` requests with `{ id, outputs }` or
 * `{ id, error }` posted to the parent. Without a `channel` the requests are messages on the
 * parent port. With one (a `SharedArrayBuffer`, see tensor-channel.ts) the thread blocks in
 * `Atomics.wait` until the event loop bumps the signal word, then takes the requests posted on
 * the `requests` port (`receiveMessageOnPort`) and the one in the request region, answering the
 * latter in the response region when its outputs fit (else posted, response word 2).
 */
export const RUNTIME_WORKER_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads')
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
const answer = (m) =>
  ready
    .then(() => run(m.inputs, m.outputs))
    .then(
      (outputs) => parentPort.postMessage({ id: m.id, outputs }),
      (err) => parentPort.postMessage({ id: m.id, error: message(err) }),
    )
if (d.channel === undefined) parentPort.on('message', answer)
else serveChannel(d.channel, d.requests)

${writeChannelTensors.toString()}
${readChannelTensors.toString()}

async function serveChannel(sab, port) {
  const ctrl = new Int32Array(sab, 0, ${CONTROL_BYTES / 4})
  const requestAt = ${CONTROL_BYTES}
  const responseAt = ${CONTROL_BYTES + REGION_BYTES}
  const responseEnd = ${CONTROL_BYTES + 2 * REGION_BYTES}
  await ready.catch(() => {})
  for (;;) {
    const seen = Atomics.load(ctrl, ${CONTROL.signal})
    let posted
    while ((posted = receiveMessageOnPort(port)) !== undefined) await answer(posted.message)
    if (Atomics.load(ctrl, ${CONTROL.request}) === 1) {
      const m = readChannelTensors(sab, requestAt)
      Atomics.store(ctrl, ${CONTROL.request}, 0)
      const inputs = m.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: t.data }))
      let state = ${RESPONSE.posted}
      try {
        const outputs = await ready.then(() => run(inputs, m.names))
        if (writeChannelTensors(sab, responseAt, responseEnd, m.id, outputs.filter((o) => !o.missing), undefined) &&
            !outputs.some((o) => o.missing)) state = ${RESPONSE.inRegion}
        else parentPort.postMessage({ id: m.id, outputs })
      } catch (err) {
        parentPort.postMessage({ id: m.id, error: message(err) })
      }
      Atomics.store(ctrl, ${CONTROL.response}, state)
      Atomics.notify(ctrl, ${CONTROL.response})
      continue
    }
    Atomics.wait(ctrl, ${CONTROL.signal}, seen)
  }
}
`
