/**
 * The end of the demo: where the loop ended, and the lineage of one served prediction back to
 * the raw data commit it came from.
 */
import type { openStrata } from 'strata-ml'
import type { DemoSteps } from '../demo-steps.js'
import type { Served } from './traffic.js'

type Strata = Awaited<ReturnType<typeof openStrata>>
const short = (id: string) => id.replace(/[0-9a-f]{20,}/g, (h) => `${h.slice(0, 12)}…`)

/**
 * Prints the chain raw commit → … → model version → prediction batch → prediction, from the
 * newest `flights` commit that reaches it; false when none does.
 */
export async function tracePrediction(
  strata: Strata,
  steps: DemoSteps,
  prediction: Served,
): Promise<boolean> {
  steps.begin(`Lineage of prediction ${prediction.id}, back to the raw data commit`)
  const lineage = await strata.lineage()
  const record = await (await strata.payloads()).get(prediction.id)
  const batch = `prediction-batch:${record.batch}`
  // The commit the answering version's training set was joined on (not merely a later commit
  // its feature view versions were also computed on).
  const upstream = await lineage.upstream(batch)
  const joined = new Set(
    upstream.edges
      .filter((e) => e.activity === 'join' && e.to.startsWith('training-set:'))
      .map((e) => e.from),
  )
  const commits = (await (await strata.data()).log('flights')).filter((c) =>
    joined.has(`dataset-commit:${c.id}`),
  )
  for (const commit of commits) {
    const path = await lineage.path(`dataset-commit:${commit.id}`, batch)
    if (path === undefined) continue
    for (const edge of path) steps.info(`${short(edge.from)} → ${edge.activity} → ${short(edge.to)}`)
    steps.info(`${short(batch)} → predict → prediction:${prediction.id}`)
    steps.end(
      `v${record.modelVersion} answered p=${prediction.p.toFixed(3)} at ${new Date(record.at).toISOString().slice(0, 16)}; reaches dataset-commit:${commit.id.slice(0, 12)} (${commit.message})`,
    )
    return true
  }
  steps.end('does NOT reach a commit of flights')
  return false
}
