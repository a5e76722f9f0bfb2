import { client, useApi } from '../lib/api.js'
import type { ChangeEvent } from '../lib/connection.js'
import { type ChartSeries, MetricChart } from './MetricChart.js'
import { ErrorView, Loading } from './states.js'

/** Charts points per run and metric (the server keeps each span's extremes beyond this). */
const MAX_POINTS = 1000

/**
 * One chart per metric key (step histories first, then metrics logged once), each overlaying the given runs' histories (sampled by the server
 * to at most 1,000 points per run, keeping spikes and dips). With `live`, refetches as runs log.
 */
export function RunCharts({
  runs,
  keys,
  live = false,
}: {
  runs: readonly { id: string; label: string }[]
  keys: readonly string[]
  live?: boolean
}) {
  const ids = runs.map((r) => r.id)
  const watch = live ? (e: ChangeEvent) => /\/runs\b|\/mlflow\/runs\//.test(e.path) : undefined
  const histories = useApi(
    `charts:${ids.join(',')}:${keys.join(',')}`,
    async (signal) => {
      const out: Record<string, ChartSeries[]> = {}
      await Promise.all(
        keys.map(async (key) => {
          const page = await client.call(
            'runs',
            'sampledHistory',
            { params: { key }, query: { runId: ids, maxResults: MAX_POINTS } },
            { signal },
          )
          out[key] = runs.map((r) => ({ label: r.label, points: page.items.filter((p) => p.runId === r.id) }))
        }),
      )
      return out
    },
    watch === undefined ? {} : { watch },
  )
  if (keys.length === 0) return <p className="muted">No metrics logged.</p>
  if (histories.status === 'loading') return <Loading what="metric histories" />
  if (histories.status === 'error') return <ErrorView error={histories.error} what="metric histories" />
  // step histories first: a metric logged once per run (a final score) is a single dot per run
  const data = histories.data
  const isHistory = (key: string) => (data[key] ?? []).some((series) => series.points.length > 1)
  const ordered = [...keys.filter(isHistory), ...keys.filter((k) => !isHistory(k))]
  return (
    <div className="charts">
      {ordered.map((key) => (
        <MetricChart key={key} title={key} series={data[key] ?? []} />
      ))}
    </div>
  )
}
