/**
 * One version's serving statistics over a window: calls and failures, a log-bucketed latency
 * histogram (buckets 5 % wide, so a p99 read from it is within 5 %), a histogram of its first
 * output's values (3 significant digits) and the rows compared with the champion. Plain JSON,
 * so replicas flush it to the metadata database and any of them merges all of it.
 */
export interface VersionStats {
  calls: number
  errors: number
  /** Latency bucket index (upper bound `1.05^i` ms) → calls. */
  latency: Record<string, number>
  /** Output value (3 significant digits) → rows. */
  outputs: Record<string, number>
  compared: number
  disagreed: number
}

const LOG_BASE = Math.log(1.05)

/** An empty {@link VersionStats}. */
export function emptyStats(): VersionStats {
  return { calls: 0, errors: 0, latency: {}, outputs: {}, compared: 0, disagreed: 0 }
}

/** True when nothing was recorded. */
export function isEmptyStats(s: VersionStats): boolean {
  return (
    s.calls === 0 &&
    s.compared === 0 &&
    Object.keys(s.outputs).length === 0 &&
    Object.keys(s.latency).length === 0
  )
}

function add(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n
}

/** Records one call: its outcome, its latency (ms) and, when it answered, its first output's values. */
export function recordCall(s: VersionStats, ok: boolean, ms: number, values?: ArrayLike<unknown>): void {
  s.calls++
  if (!ok) {
    s.errors++
    return
  }
  recordLatency(s, ms)
  if (values !== undefined) recordOutputs(s, values)
}

/**
 * Records one answer's latency (ms) without counting a call: the champion's re-runs of
 * candidate-served requests (comparisons), so a step where it serves no client (100 %) still
 * has a champion p99 for `latency_p99_ratio`.
 */
export function recordLatency(s: VersionStats, ms: number): void {
  add(s.latency, String(Math.max(0, Math.ceil(Math.log(Math.max(ms, 0.001)) / LOG_BASE))))
}

/** Records output values (numbers and booleans binned to 3 significant digits; strings as they are). */
export function recordOutputs(s: VersionStats, values: ArrayLike<unknown>): void {
  for (let i = 0; i < values.length; i++) add(s.outputs, outputKey(values[i]))
}

function outputKey(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(3))) : String(v)
  if (typeof v === 'bigint') return String(Number(Number(v).toPrecision(3)))
  if (typeof v === 'boolean') return v ? '1' : '0'
  return `s:${String(v)}`
}

/** Adds `from` into `into`. */
export function mergeStats(into: VersionStats, from: VersionStats): VersionStats {
  into.calls += from.calls
  into.errors += from.errors
  into.compared += from.compared
  into.disagreed += from.disagreed
  for (const [k, n] of Object.entries(from.latency)) add(into.latency, k, n)
  for (const [k, n] of Object.entries(from.outputs)) add(into.outputs, k, n)
  return into
}

/** Successful calls with a latency. */
export function latencyCount(s: VersionStats): number {
  return Object.values(s.latency).reduce((a, b) => a + b, 0)
}

/** The latency (ms) at quantile `q` (upper bound of its bucket), or null without data. */
export function latencyQuantile(s: VersionStats, q: number): number | null {
  const total = latencyCount(s)
  if (total === 0) return null
  const buckets = Object.entries(s.latency)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0])
  const rank = Math.ceil(q * total)
  let seen = 0
  for (const [i, n] of buckets) {
    seen += n
    if (seen >= rank) return 1.05 ** i
  }
  return 1.05 ** (buckets.at(-1)?.[0] ?? 0)
}

/** Output rows recorded. */
export function outputCount(s: VersionStats): number {
  return Object.values(s.outputs).reduce((a, b) => a + b, 0)
}

/**
 * The population stability index of `actual`'s outputs against `expected`'s: numeric outputs in
 * ten bins at the expected's deciles, string outputs by value; shares floored at 1e-4. Null
 * when either side has no rows.
 */
export function outputPsi(expected: VersionStats, actual: VersionStats): number | null {
  const e = Object.entries(expected.outputs)
  const a = Object.entries(actual.outputs)
  const ne = outputCount(expected)
  const na = outputCount(actual)
  if (ne === 0 || na === 0) return null
  const numeric = [...e, ...a].every(([k]) => !k.startsWith('s:'))
  let binE: Map<number | string, number>
  let binA: Map<number | string, number>
  if (numeric) {
    const sorted = e.map(([k, n]) => [Number(k), n] as const).sort((x, y) => x[0] - y[0])
    const cuts: number[] = []
    let seen = 0
    let next = 1
    for (const [v, n] of sorted) {
      seen += n
      while (next < 10 && seen >= (next * ne) / 10) {
        if (cuts.at(-1) !== v) cuts.push(v)
        next++
      }
    }
    const bin = (v: number) => {
      let i = 0
      while (i < cuts.length && v > (cuts[i] as number)) i++
      return i
    }
    binE = binned(e, (k) => bin(Number(k)))
    binA = binned(a, (k) => bin(Number(k)))
  } else {
    binE = binned(e, (k) => k)
    binA = binned(a, (k) => k)
  }
  let psi = 0
  for (const key of new Set([...binE.keys(), ...binA.keys()])) {
    const pe = Math.max((binE.get(key) ?? 0) / ne, 1e-4)
    const pa = Math.max((binA.get(key) ?? 0) / na, 1e-4)
    psi += (pa - pe) * Math.log(pa / pe)
  }
  return psi
}

function binned<K>(entries: [string, number][], key: (k: string) => K): Map<K, number> {
  const out = new Map<K, number>()
  for (const [k, n] of entries) out.set(key(k), (out.get(key(k)) ?? 0) + n)
  return out
}
