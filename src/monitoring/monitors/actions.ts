import { errorMessage } from '../../core/errors.js'
import type { RetrainAction } from '../loop/loop-types.js'
import type { MonitorAction } from './monitor-definition.js'
import type { ActionOutcome } from './monitor-types.js'

/** What an alert tells its actions. */
export interface AlertPayload {
  monitor: string
  model: string
  incident: string
  window: { start: string; end: string }
  status: 'alert'
  driftShare: number | null
  driftedColumns: string[]
  failedQualityChecks: string[]
  /** Broken performance bounds (`auc 0.61 < 0.7`). */
  performanceViolations: string[]
}

/** Starts a pipeline once per incident (`fireKey`) and runs it; resolves its run id and status. */
export type StartPipeline = (
  pipeline: string,
  params: Record<string, unknown>,
  fireKey: string,
) => Promise<{ runId: string; status: string }>

/** Starts (or finds) the closed loop of an incident; resolves its id, state and why it was skipped. */
export type StartLoop = (
  action: RetrainAction,
  payload: AlertPayload,
) => Promise<{ id: string; state: string; reason: string | null }>

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * POSTs the alert as JSON, retrying timeouts, network errors and 5xx answers with exponential
 * backoff; a 4xx is final. The outcome (attempts, last status or error) is returned, never thrown.
 */
export async function sendWebhook(
  action: Extract<MonitorAction, { kind: 'webhook' }>,
  payload: AlertPayload,
): Promise<ActionOutcome> {
  const retries = action.retries ?? 3
  let backoff = action.backoffMs ?? 500
  let detail = ''
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    try {
      const res = await fetch(action.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...action.headers },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(action.timeoutMs ?? 5000),
      })
      await res.arrayBuffer()
      detail = `HTTP ${res.status}`
      if (res.ok) return { kind: 'webhook', target: action.url, ok: true, attempts: attempt, detail }
      if (res.status < 500)
        return { kind: 'webhook', target: action.url, ok: false, attempts: attempt, detail }
    } catch (err) {
      detail = errorMessage(err)
    }
    if (attempt <= retries) {
      await sleep(backoff)
      backoff *= 2
    }
  }
  return { kind: 'webhook', target: action.url, ok: false, attempts: retries + 1, detail }
}

/** Fills `{{window.start}}`, `{{window.end}}`, `{{monitor}}`, `{{model}}` and `{{incident}}` in string parameters. */
export function fillParams(params: Record<string, unknown>, payload: AlertPayload): Record<string, unknown> {
  const vars: Record<string, string> = {
    'window.start': payload.window.start,
    'window.end': payload.window.end,
    monitor: payload.monitor,
    model: payload.model,
    incident: payload.incident,
  }
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      typeof v === 'string' ? v.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (m, name: string) => vars[name] ?? m) : v,
    ]),
  )
}

/** Runs every action of an incident; outcomes in order. */
export async function runActions(
  actions: readonly MonitorAction[],
  payload: AlertPayload,
  startPipeline: StartPipeline | undefined,
  startLoop?: StartLoop,
): Promise<ActionOutcome[]> {
  const out: ActionOutcome[] = []
  for (const action of actions) {
    if (action.kind === 'webhook') {
      out.push(await sendWebhook(action, payload))
      continue
    }
    if (action.kind === 'retrain') {
      out.push(await retrain(action, payload, startLoop))
      continue
    }
    if (startPipeline === undefined) {
      out.push({
        kind: 'pipeline',
        target: action.pipeline,
        ok: false,
        attempts: 0,
        detail: 'no pipelines configured (set pipelines in strata.config.ts)',
      })
      continue
    }
    try {
      const run = await startPipeline(
        action.pipeline,
        fillParams(action.params ?? {}, payload),
        `incident:${payload.incident}`,
      )
      out.push({
        kind: 'pipeline',
        target: action.pipeline,
        ok: run.status === 'succeeded',
        attempts: 1,
        detail: `run ${run.runId} ${run.status}`,
      })
    } catch (err) {
      out.push({
        kind: 'pipeline',
        target: action.pipeline,
        ok: false,
        attempts: 1,
        detail: errorMessage(err),
      })
    }
  }
  return out
}

async function retrain(
  action: RetrainAction,
  payload: AlertPayload,
  startLoop: StartLoop | undefined,
): Promise<ActionOutcome> {
  const base = { kind: 'retrain' as const, target: action.deployment, attempts: 1 }
  if (startLoop === undefined)
    return { ...base, ok: false, attempts: 0, detail: 'the closed loop is not available here' }
  try {
    const loop = await startLoop(action, payload)
    return {
      ...base,
      ok: loop.state !== 'skipped' && loop.state !== 'failed',
      detail: `loop ${loop.id} ${loop.state}${loop.reason === null ? '' : `: ${loop.reason}`}`,
    }
  } catch (err) {
    return { ...base, ok: false, detail: errorMessage(err) }
  }
}
