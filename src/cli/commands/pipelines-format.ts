import { StrataError } from '../../core/errors.js'
import type { PipelineEngine, PipelineRunDetails, StepEvent, StepRun } from '../../pipelines/index.js'
import { formatSeconds, formatTable, type Output } from '../output.js'

/** `--param k=v` values as an object; a value without `=` fails naming it. */
export function parseParams(given: readonly string[] = [], option = '--param'): Record<string, string> {
  const params: Record<string, string> = {}
  for (const entry of given) {
    const eq = entry.indexOf('=')
    if (eq <= 0)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${option} "${entry}" is invalid; expected name=value, e.g. ${option} ${option === '--param' ? 'lr=0.1' : 'team=risk'}`,
      )
    params[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return params
}

/** Milliseconds as seconds for a table cell (empty when unknown). */
export const seconds = (ms: number | null | undefined) => (ms == null ? '' : formatSeconds(ms / 1000))
const duration = (s: { startedAt: number | null; endedAt: number | null }) =>
  s.startedAt !== null && s.endedAt !== null ? seconds(s.endedAt - s.startedAt) : ''

function stepTable(steps: readonly StepRun[], order: readonly string[]): string {
  const rank = new Map(order.map((n, i) => [n, i]))
  const sorted = [...steps].sort((a, b) => (rank.get(a.step) ?? 0) - (rank.get(b.step) ?? 0))
  return formatTable(
    ['step', 'state', 'duration', 'cached', 'attempt', 'error'],
    sorted.map((s) => [
      s.step,
      s.status,
      duration(s),
      s.cached ? 'yes' : '',
      s.attempt,
      (s.error ?? '').split('\n')[0],
    ]),
  )
}

/** A run's head line and its step table, steps in the pipeline's order. */
export async function details(engine: PipelineEngine, d: PipelineRunDetails): Promise<string> {
  const order = await engine.pipeline(d.run.pipeline).then(
    (p) => p.steps.map((s) => s.name),
    () => d.steps.map((s) => s.step),
  )
  const head = `run ${d.run.runId} of ${d.run.pipeline}: ${d.run.status}${d.run.error === null ? '' : ` (${d.run.error.split('\n')[0]})`}`
  return `${head}\n${stepTable(d.steps, order)}`
}

/** Step events as progress lines on stderr (people only; `--json` stays one document). */
export function progress(out: Output): ((e: StepEvent) => void) | undefined {
  if (out.json) return undefined
  return (e) => {
    const mark = { running: '…', succeeded: '✓', failed: '✗', skipped: '-', retrying: '↻', cancelled: '⊘' }[
      e.status
    ]
    const extra = [
      e.cached ? 'cached' : '',
      e.durationMs === undefined || e.cached ? '' : seconds(e.durationMs),
      e.attempt > 1 ? `attempt ${e.attempt}` : '',
      e.error ?? '',
    ].filter(Boolean)
    out.streams.stderr(`${mark} ${e.step} ${e.status}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}\n`)
  }
}
