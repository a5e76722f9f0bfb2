/** A SQL string literal (single quotes doubled), safe for any path or value. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/**
 * Collects positional parameters for one statement: `add(value)` returns `$n` to splice into
 * the SQL, and `values` is what to pass as `params`.
 */
export class SqlParams {
  readonly values: unknown[] = []

  /** Binds `value` and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}
