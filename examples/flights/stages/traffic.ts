/**
 * The replay's client side: sends departures to the model server as prediction requests and
 * keeps, per prediction id, the probability it answered, the version that answered and the
 * truth that will arrive later as its label.
 *
 * - `predict` (a plain deployment bound to the `delay_model` feature service): the server reads
 *   the online features itself and logs every feature with the prediction — what
 *   `POST /v1/predict/flight-delay` runs.
 * - `infer` (a progressive-delivery endpoint: champion and canary): the client reads the online
 *   features (what `GET /features/online` answers) and sends the model's input tensor, one
 *   request per departure so the canary split applies per request — what
 *   `POST /v2/models/flight-delay/infer` runs. (The server's entity-row route does not serve
 *   delivery endpoints yet.)
 */
import type { openStrata } from 'strata-ml'
import { MODEL_INPUTS } from '../fti/slices.js'
import type { Departure } from '../replay-data.js'

type Strata = Awaited<ReturnType<typeof openStrata>>

/** One answered prediction. */
export interface Served {
  id: string
  at: number
  version: number
  p: number
  delayed: boolean | null
}

export const ENDPOINT = 'flight-delay'

/** Sends a day's departures through the server; resolves what each was answered. */
export async function sendTraffic(
  serve: Strata,
  mode: 'predict' | 'infer',
  departures: readonly Departure[],
  at: number,
): Promise<Served[]> {
  if (departures.length === 0) return []
  const server = await serve.serving()
  const rows = departures.map((d) => ({ origin: d.origin, destination: d.destination, dep_hour: d.dep_hour }))
  if (mode === 'predict') {
    const answer = async (slice: number[]) => {
      const result = await server.predict(
        ENDPOINT,
        slice.map((i) => rows[i] as (typeof rows)[number]),
      )
      return result.predictions.map((p, k) => ({
        id: p.predictionId,
        at,
        version: Number(result.modelVersion),
        p: (p.outputs.probabilities as number[])[1] as number,
        delayed: departures[slice[k] as number]?.delayed ?? null,
      }))
    }
    const all = rows.map((_, i) => i)
    try {
      return await answer(all)
    } catch {
      // One departure without an online value (a route never seen, a stale airport) fails the
      // whole request with a 412 naming it: send them one by one and leave those out.
      const out: Served[] = []
      for (const i of all) out.push(...(await answer([i]).catch(() => [])))
      return out
    }
  }
  const features = await serve.features()
  const online = await features.getOnlineFeatures({
    service: 'delay_model',
    entities: {
      origin: rows.map((r) => r.origin),
      destination: rows.map((r) => r.destination),
      dep_hour: rows.map((r) => r.dep_hour),
    },
  })
  const out: Served[] = []
  for (const [i, row] of online.rows.entries()) {
    const values = { ...row, dep_hour: rows[i]?.dep_hour } as Record<string, unknown>
    const x = Float32Array.from(MODEL_INPUTS, (f) => {
      const v = values[f]
      return typeof v === 'number' ? v : Number.NaN
    })
    const result = await server.infer(ENDPOINT, undefined, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, MODEL_INPUTS.length], values: x }],
      outputs: ['probabilities'],
    })
    const probabilities = result.outputs.find((o) => o.name === 'probabilities')?.values as ArrayLike<number>
    out.push({
      id: result.predictionId,
      at,
      version: Number(result.modelVersion),
      p: probabilities[1] as number,
      delayed: departures[i]?.delayed ?? null,
    })
  }
  return out
}
