import { isStrataError } from '../core/errors.js'
import { jsonReplacer } from '../core/json.js'

/** Where the CLI writes; injectable so tests capture output without a subprocess. */
export interface CliStreams {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** True when stderr is a terminal (progress bars redraw in place). */
  isTTY: boolean
}

/** The process's own streams. */
export const processStreams: CliStreams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
}

/** Prints command results for people or, with `--json`, as one JSON document on stdout. */
export class Output {
  constructor(
    readonly json: boolean,
    readonly streams: CliStreams = processStreams,
  ) {}

  /** Prints `value` as JSON, or the human rendering. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.streams.stdout(`${JSON.stringify(value, jsonReplacer, 2)}\n`)
    else {
      const text = human()
      if (text !== '') this.streams.stdout(text.endsWith('\n') ? text : `${text}\n`)
    }
  }

  /**
   * A one-line hint on stderr for people (e.g. a deprecated spelling); never printed with
   * `--json`, so machine output and its stderr stay exactly as they were.
   */
  hint(text: string): void {
    if (!this.json) this.streams.stderr(`hint: ${text}\n`)
  }

  /** A warning on stderr (`warning: …`), printed with `--json` too: it is about safety, not decoration. */
  warn(text: string): void {
    this.streams.stderr(`warning: ${text}\n`)
  }

  /** A progress line on stderr (never on stdout, so `--json` output stays parseable). */
  progress(label: string, total?: number): Progress {
    return new Progress(label, total, this.streams)
  }

  /** Prints an error as one line (or a JSON object with `--json`). */
  error(err: unknown): void {
    const code = isStrataError(err) ? err.code : 'INTERNAL'
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
    if (this.json) {
      const details = isStrataError(err) ? err.details : undefined
      this.streams.stdout(
        `${JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })}\n`,
      )
    } else {
      this.streams.stderr(`error: ${message}${code === 'INTERNAL' ? ' (internal error)' : ''}\n`)
    }
  }
}

/**
 * A progress indicator: a redrawn bar on a terminal; otherwise (a pipe, CI) one line every few
 * seconds while work lasts, so short work prints only its final line.
 */
export class Progress {
  private done = 0
  private readonly start = Date.now()
  private lastPrint = this.start

  constructor(
    private readonly label: string,
    private total: number | undefined,
    private readonly streams: CliStreams,
  ) {}

  /** Advances by `n` units (and optionally updates the total). */
  tick(n = 1, total?: number): void {
    this.done += n
    if (total !== undefined) this.total = total
    const now = Date.now()
    if (now - this.lastPrint < (this.streams.isTTY ? 100 : 2000)) return
    this.lastPrint = now
    this.draw(false)
  }

  /** Prints the final state. */
  finish(summary?: string): void {
    this.draw(true, summary)
  }

  private draw(final: boolean, summary?: string): void {
    const secs = formatSeconds((Date.now() - this.start) / 1000)
    let line: string
    if (this.total !== undefined && this.total > 0) {
      const ratio = Math.min(1, this.done / this.total)
      const width = 24
      const filled = Math.round(ratio * width)
      line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0)}% ${this.done}/${this.total} ${secs}`
    } else {
      // work that counts nothing (one call) shows no count: `monitor delay-drift 5.1 s`, not `… 0 5.1 s`
      line = this.done === 0 ? `${this.label} ${secs}` : `${this.label} ${this.done} ${secs}`
    }
    if (final && summary) line += ` ${summary}`
    if (this.streams.isTTY) this.streams.stderr(`\r\x1b[2K${line}${final ? '\n' : ''}`)
    else this.streams.stderr(`${line}\n`)
  }
}

/** Renders rows as an aligned text table. */
export function formatTable(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** A time as every command shows it: UTC, to the second (`2026-12-06 21:48:05`). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

/** A duration as every command shows it: `0.4 s`, `3.6 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const pad = (n: number) => String(n).padStart(2, '0')
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(Math.round(seconds % 60))} s`
  return `${Math.floor(seconds / 3600)} h ${pad(Math.floor((seconds % 3600) / 60))} min`
}

/** A count with its noun, singular for one: `1 file`, `2 files`, `1 entry` (`plural` when not `+s`). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`
}

/** A size as every command shows it: `512 B`, `1.5 MiB`, `23 GiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}
