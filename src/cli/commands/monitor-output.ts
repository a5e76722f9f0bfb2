import type { MonitorReport, RetrainLoop } from '../../monitoring/index.js'
import { formatTable, formatTime } from '../output.js'

/** A loop and its timeline, for `history` and `loops`. */
export function loopLines(loop: RetrainLoop): string[] {
  return [
    `loop ${loop.id} (incident ${loop.incidentId}) on deployment ${loop.deployment}: ${loop.state}${loop.version === null ? '' : `, version ${loop.version}`}${loop.revision === null ? '' : `, revision ${loop.revision}`}`,
    ...loop.events.map((e) => `  ${formatTime(e.at)}  ${e.state.padEnd(11)}  ${e.detail}`),
  ]
}

/** A monitor window's result for the terminal: verdict, drift per column, quality, performance, actions. */
export function summary(report: MonitorReport): string {
  const r = report.result
  const lines = [
    `${r.monitor} ${formatTime(r.windowStart)} – ${formatTime(r.windowEnd)}: ${r.status.toUpperCase()} (${r.rows} rows, reference ${r.model} v${r.referenceVersion})`,
  ]
  if (report.drift !== null) {
    lines.push(
      `drift: ${r.drifted}/${r.tested} columns drifted (share ${report.drift.share.toFixed(3)}; dataset drift at ≥ ${report.drift.driftShare}: ${report.drift.datasetDrift ? 'yes' : 'no'})`,
    )
    lines.push(
      formatTable(
        ['column', 'test', 'score', 'threshold', 'drift', 'missing', 'note'],
        report.drift.columns.map((c) => [
          c.column,
          c.test,
          c.score === null ? '' : c.score.toPrecision(4),
          c.threshold,
          c.drifted ? 'DRIFT' : '',
          c.currentMissing,
          [
            c.status === 'tested' ? '' : c.status,
            c.newCategories.length > 0 ? `new: ${c.newCategories.slice(0, 5).join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
        ]),
      ),
    )
  }
  const failed = report.quality.filter((q) => !q.passed)
  if (failed.length > 0)
    lines.push(
      `quality: ${failed.map((q) => `${q.column}.${q.check} ${(q.value * 100).toFixed(1)}% > ${(q.threshold * 100).toFixed(1)}%`).join(', ')}`,
    )
  else if (report.quality.length > 0) lines.push(`quality: ${report.quality.length} checks passed`)
  const perf = report.performance
  if (perf !== undefined) {
    const metrics = Object.entries(perf.metrics).map(([k, v]) => `${k} ${v === null ? 'n/a' : v.toFixed(3)}`)
    lines.push(
      `performance (${perf.labeled} labeled, ${perf.unlabeled} unlabeled): ${metrics.join(', ')}${perf.violations.length > 0 ? `; broken: ${perf.violations.join(', ')}` : ''}`,
    )
  }
  for (const a of report.actions)
    lines.push(
      `action ${a.kind} ${a.target}: ${a.ok ? 'ok' : 'FAILED'} (${a.detail}, ${a.attempts} attempt${a.attempts === 1 ? '' : 's'})`,
    )
  return lines.join('\n')
}
