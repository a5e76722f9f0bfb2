import { errorMessage, isStrataError, StrataError } from '../../core/errors.js'
import { formatLabel, type TableFormat } from './table-format.js'

/** DuckDB error classes that say the engine failed, not the file: passed through unchanged. */
const ENGINE_FAILURES = /^(?:Out of Memory|Interrupt|Connection|Fatal)$/

/**
 * Turns an error from reading `file` (at local `path`) into the error callers see:
 * - a missing file stays NOT_FOUND; an engine failure (out of memory, interrupted, lost
 *   connection) and UNAVAILABLE pass through;
 * - anything else means the file is malformed → INVALID_ARGUMENT naming the file, the format,
 *   the line when DuckDB gives one (`details.line`), and DuckDB's reason without its
 *   "possible fixes" boilerplate.
 */
export function readError(err: unknown, file: string, format: TableFormat, path = file): StrataError {
  if (isStrataError(err) && (settled.has(err) || err.code === 'NOT_FOUND' || err.code === 'UNAVAILABLE')) {
    return err
  }
  const duckdbClass = isStrataError(err) ? err.details?.duckdbErrorClass : undefined
  if (typeof duckdbClass === 'string' && ENGINE_FAILURES.test(duckdbClass)) return err as StrataError
  const raw = errorMessage(isStrataError(err) && err.cause !== undefined ? err.cause : err)
  // A diagnosis made outside DuckDB carries its line as a property.
  const known = (err as { line?: unknown } | null)?.line
  // DuckDB's JSON line numbers do not match an editor's, so only CSV/TSV lines are taken from it.
  const csvLike = format === 'csv' || format === 'tsv'
  const line = typeof known === 'number' ? known : csvLike ? lineOf(raw) : undefined
  // The local path may be a content-addressed cache file; name the file the caller knows.
  let reason = summarize(raw).replaceAll(path, file)
  if (format === 'parquet' && !/magic bytes/i.test(reason)) reason = `truncated or corrupt (${reason})`
  const where = line === undefined ? '' : ` (line ${line})`
  const details: Record<string, unknown> = { file, format, reason }
  if (line !== undefined) details.line = line
  return settle(
    new StrataError(
      'INVALID_ARGUMENT',
      `${file} is not a valid ${formatLabel(format)} file${where}: ${reason}`,
      {
        cause: err,
        details,
      },
    ),
  )
}

/** Errors that already say what is wrong; {@link readError} passes them through unchanged. */
const settled = new WeakSet<object>()

/** Marks `err` as final, so an enclosing {@link readError} does not re-wrap it; returns it. */
export function settle<E extends StrataError>(err: E): E {
  settled.add(err)
  return err
}

/** The 1-based line of a CSV that DuckDB blames, from `CSV Error on Line: 12`. */
export function lineOf(message: string): number | undefined {
  const digits = /CSV Error on Line: (\d+)/.exec(message)?.[1]
  return digits === undefined ? undefined : Number(digits)
}

/** True for a CSV sniffing failure, whose message has no line; a diagnostic read can find it. */
export function isSniffFailure(err: unknown): boolean {
  return /Error when sniffing file/.test(errorMessage(isStrataError(err) ? (err.cause ?? err) : err))
}

/** True when a type detected from a sample did not fit a later value: retry with a full sample. */
export function isSampledTypeFailure(err: unknown): boolean {
  const message = errorMessage(isStrataError(err) ? (err.cause ?? err) : err)
  if (/JSON transform error/.test(message)) return true
  return /auto-detected|sample_size/i.test(message) && /Conversion Error|Could not convert/i.test(message)
}

/** Lines of a DuckDB CSV error that state what is wrong (the rest is echo and advice). */
const CSV_FACT =
  /^(?:Expected Number of Columns|Value with unterminated quote|Error when converting column|Invalid unicode|Maximum line size|Line \d+ is too long)/

/** DuckDB's message reduced to its facts: no class prefix, SQL echo, file echo or list of fixes. */
function summarize(message: string): string {
  const lines = message.split('\n').map((line) => line.trim())
  const first = stripClass(lines[0] ?? '')
  if (!/^CSV Error on Line: \d+$/.test(first)) {
    // A sniffing failure puts its reason on the second line.
    const second = /sniffing/.test(first) ? lines[1] : undefined
    return truncate(second ? `${first} ${second}` : first, 300)
  }
  const facts = lines.filter((line) => CSV_FACT.test(line)).map(plainFact)
  const original = lines.find((line) => line.startsWith('Original Line:'))
  const reason = facts.length > 0 ? facts.join('; ') : first
  if (original === undefined) return reason
  return `${reason} in ${JSON.stringify(truncate(original.slice('Original Line:'.length).trim(), 120))}`
}

/** DuckDB's CSV facts in plain words. */
function plainFact(line: string): string {
  const columns = /^Expected Number of Columns: (\d+) Found: (\d+)/.exec(line)
  if (columns !== null) return `expected ${columns[1]} columns, found ${columns[2]}`
  if (/^Value with unterminated quote/.test(line)) return 'a quoted value is never closed'
  return line.replace(/\s+/g, ' ').replace(/\.$/, '')
}

function stripClass(line: string): string {
  return line.replace(/^(?:[A-Za-z ]+: )?(?:[A-Za-z ]+ Error: )+/, '')
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`
}
