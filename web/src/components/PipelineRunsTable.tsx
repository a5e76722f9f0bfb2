import { formatDuration, formatTime, shortId } from '../lib/format.js'
import { href } from '../lib/router.js'
import type { PipelineRun } from '../lib/types.js'

/** Pipeline runs, newest first: status, pipeline, what triggered them, when and how long. */
export function PipelineRunsTable({ runs }: { runs: readonly PipelineRun[] }) {
  if (runs.length === 0) return <p className="muted">No runs yet.</p>
  return (
    <table className="pipeline-runs">
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Pipeline</th>
          <th scope="col">Status</th>
          <th scope="col">Trigger</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.runId}>
            <td>
              <a href={href(['pipeline-runs', r.runId])} className="id">
                {shortId(r.runId)}
              </a>
            </td>
            <td>
              <a href={href(['pipelines', r.pipeline])}>{r.pipeline}</a>
            </td>
            <td>
              <span className={`badge status-${r.status}`}>{r.status}</span>
            </td>
            <td className="value">{r.tags.trigger ?? 'manual'}</td>
            <td>{formatTime(r.startedAt ?? r.createdAt)}</td>
            <td>{r.startedAt === null ? '—' : formatDuration(r.startedAt, r.endedAt)}</td>
            <td>{r.userId}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
