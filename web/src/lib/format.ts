/** A timestamp (epoch ms) as local date and time, `—` when absent. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '—'
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
}

/** A duration between two timestamps, `—` when it has not ended. */
export function formatDuration(start: number, end: number | null): string {
  if (end === null || end < start) return '—'
  const s = (end - start) / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
}

/** A number for a table cell: up to 6 significant digits; the wire's `"NaN"`/`"Infinity"` as they are. */
export function formatNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'string') return value
  if (Number.isInteger(value)) return String(value)
  return Number(value.toPrecision(6)).toString()
}

/** A byte count as B / KiB / MiB / GiB. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return ''
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i += 1
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

/** The first characters of a long id (commit hashes, run ids). */
export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id
}
