import type { Deployment, DeploymentDecision } from './deployment-store.js'

/** What a webhook receives: the deployment, its status after the decision, and the decision with its evidence. */
export interface DecisionNotice {
  deployment: string
  revision: number
  status: string
  decision: DeploymentDecision
}

/**
 * POSTs `decision` as JSON ({@link DecisionNotice}) to every webhook of `d`'s policy, each with a
 * 2 s timeout. Resolves with the failures (URL and reason); a webhook never fails the decision.
 */
export async function sendWebhooks(
  d: Deployment,
  decision: DeploymentDecision,
): Promise<{ url: string; error: string }[]> {
  const notice: DecisionNotice = {
    deployment: d.name,
    revision: decision.revision,
    status: d.policy.status,
    decision,
  }
  const body = JSON.stringify(notice)
  const failures: { url: string; error: string }[] = []
  await Promise.all(
    d.policy.webhooks.map(async (url) => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(2000),
        })
        await res.body?.cancel()
        if (!res.ok) failures.push({ url, error: `answered ${res.status}` })
      } catch (err) {
        failures.push({ url, error: (err as Error).message })
      }
    }),
  )
  return failures
}
