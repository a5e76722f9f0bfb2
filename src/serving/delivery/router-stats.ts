import type { InferTensor } from '../tensor.js'
import { emptyStats, isEmptyStats, recordCall, type VersionStats } from './version-stats.js'

/** A sample row drained from a router: one version's statistics in one role of one revision. */
export interface StatsRow {
  revision: number
  version: number
  role: 'champion' | 'candidate'
  stats: VersionStats
}

/**
 * A router's samples for its guards: per revision, version and role, the calls, failures,
 * latencies, outputs and the candidate's disagreement with the champion, until drained.
 */
export class RouterStats {
  private stats = new Map<string, StatsRow>()

  /** The statistics of `version` in `role` under `revision` (created empty). */
  row(revision: number, version: number, role: 'champion' | 'candidate'): VersionStats {
    const key = `${revision}:${version}:${role}`
    let r = this.stats.get(key)
    if (r === undefined) {
      r = { revision, version, role, stats: emptyStats() }
      this.stats.set(key, r)
    }
    return r.stats
  }

  /** Counts one call (and its first output's values, when it succeeded). */
  count(
    revision: number,
    version: number,
    role: 'champion' | 'candidate',
    ok: boolean,
    ms: number,
    outputs?: InferTensor[],
  ): void {
    recordCall(
      this.row(revision, version, role),
      ok,
      ms,
      outputs?.[0]?.values as ArrayLike<unknown> | undefined,
    )
  }

  /**
   * Counts the rows of the first output where the candidate's answer differs from the champion's:
   * a row (of a `[N, k]` output, e.g. a classifier's probabilities) differs when any of its k
   * values does, so `disagreement` is a share of rows and its samples are rows.
   */
  compareOutputs(
    revision: number,
    tolerance: number,
    candidate: number,
    champion: InferTensor[],
    answered: InferTensor[],
  ): void {
    const a = champion[0]?.values
    const b = answered[0]?.values
    if (a === undefined || b === undefined) return
    const st = this.row(revision, candidate, 'candidate')
    const n = Math.min(a.length, b.length)
    const rows = champion[0]?.shape[0] ?? n
    const width = rows > 0 && n % rows === 0 ? n / rows : 1
    for (let r = 0; r < n / width; r++) {
      let differ = false
      for (let i = r * width; i < (r + 1) * width && !differ; i++) {
        const x = a[i]
        const y = b[i]
        differ =
          typeof x === 'number' && typeof y === 'number'
            ? !(Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y)))
            : String(x) !== String(y)
      }
      st.compared++
      if (differ) st.disagreed++
    }
  }

  /** The statistics gathered since the last drain (and resets them). */
  drain(): StatsRow[] {
    const rows = [...this.stats.values()].filter((r) => !isEmptyStats(r.stats))
    this.stats = new Map()
    return rows
  }
}
