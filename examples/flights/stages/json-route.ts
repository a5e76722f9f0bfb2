/**
 * The demo's last serving step: `strata server`'s routes started inside the demo's process
 * (`startServer` from `strata-ml/server`, on the simulated clock) and a few departures of the
 * replay's last day sent to the JSON route for applications, `POST /v1/predict/flight-delay`:
 * entity keys and the departure hour in, features read from the online store by the server,
 * one prediction id per departure out.
 */
import type { openStrata } from 'strata-ml'
import { startServer } from 'strata-ml/server'
import type { DemoSteps } from '../demo-steps.js'
import { replayDepartures } from '../replay-data.js'
import { ENDPOINT, type Served } from './traffic.js'

type Strata = Awaited<ReturnType<typeof openStrata>>
const LAST_DAY = '2001-06-30'
/** How many departures the demo sends through the route. */
const COUNT = 3

interface PredictAnswer {
  model_version: string
  predictions: { prediction_id: string; prediction: { probabilities?: number[] } }[]
}

/** Sends a few departures of 30 June through `POST /v1/predict/flight-delay`; the answers, in order. */
export async function predictOverHttp(
  serve: Strata,
  sim: { t: number },
  steps: DemoSteps,
): Promise<Served[]> {
  steps.begin(`Serve the champion over HTTP: departures of ${LAST_DAY} through POST /v1/predict/${ENDPOINT}`)
  const [day] = await replayDepartures(LAST_DAY, '2001-07-01', 1)
  const departures = (day ?? []).slice(0, COUNT)
  const first = departures[0]
  if (first === undefined) throw new Error(`no departures on ${LAST_DAY} to send`)
  // "now" is the hour those departures leave: the online features are the ones materialized for it
  sim.t = first.at
  const server = await startServer(serve)
  try {
    const res = await fetch(`${server.url}/v1/predict/${ENDPOINT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        entities: departures.map((d) => ({
          origin: d.origin,
          destination: d.destination,
          dep_hour: d.dep_hour,
        })),
      }),
    })
    if (!res.ok) throw new Error(`POST /v1/predict/${ENDPOINT} answered ${res.status}: ${await res.text()}`)
    const answer = (await res.json()) as PredictAnswer
    const served = answer.predictions.map((p, i): Served => {
      const d = departures[i] as (typeof departures)[number]
      const probability = p.prediction.probabilities?.[1]
      if (typeof probability !== 'number')
        throw new Error(`prediction ${p.prediction_id} has no probability of a delay`)
      return {
        id: p.prediction_id,
        at: d.at,
        version: Number(answer.model_version),
        p: probability,
        delayed: d.delayed,
      }
    })
    for (const [i, s] of served.entries()) {
      const d = departures[i] as (typeof departures)[number]
      const time = new Date(d.at).toISOString().slice(11, 16)
      steps.info(
        `${d.origin} → ${d.destination} ${time}: p(delay) ${s.p.toFixed(3)} from v${s.version}, prediction ${s.id}`,
      )
    }
    // the payload log writes in batches off the request path: flush it so the ids can be looked up
    await (await serve.serving()).flushPayloadLog()
    steps.end(`${served.length} predictions from ${server.url}, each with its id in the payload log`)
    return served
  } finally {
    await server.close()
  }
}
