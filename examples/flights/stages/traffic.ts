/**
 * The replay's client side: for a batch of departures it reads the online features from the
 * feature store (what `POST /features/online` answers) and sends each departure as one request
 * to the deployment's OIP route (what `POST /v2/models/flight-delay/infer` runs), so the canary
 * split applies per request. It keeps, per prediction id, the probability answered, the version
 * that answered and the truth that will arrive later as its delayed label.
 *
 * (The server's entity-row route, `POST /v1/predict`, reads the features itself but does not
 * serve progressive-delivery deployments yet.)
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
  departures: readonly Departure[],
  at: number,
): Promise<Served[]> {
  if (departures.length === 0) return []
  const server = await serve.serving()
  const rows = departures.map((d) => ({ origin: d.origin, destination: d.destination, dep_hour: d.dep_hour }))
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
