import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { StrataError } from '../../core/errors.js'

/**
 * Connections of one DuckDB instance, each leased to a single call at a time.
 *
 * A DuckDB connection runs one statement at a time, and starting a statement silently ends the
 * connection's open streaming result (it then reports zero rows), so a stream keeps its lease
 * until it is done. Idle connections are kept up to `maxIdle`; beyond that they are closed.
 */
export class DuckDbConnectionPool {
  private readonly idle: DuckDBConnection[] = []
  private readonly leased = new Set<DuckDBConnection>()
  private closed = false

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly maxIdle: number,
  ) {}

  /** A connection for the caller's exclusive use; give it back with {@link release}. */
  async acquire(): Promise<DuckDBConnection> {
    if (this.closed) {
      throw new StrataError('FAILED_PRECONDITION', 'the DuckDB table engine is closed; open a new one')
    }
    const connection = this.idle.pop() ?? (await this.instance.connect())
    this.leased.add(connection)
    return connection
  }

  /**
   * Returns a leased connection. `abandoned` says a streaming result may still be open on it:
   * closing the connection does not free that result (it holds the session), but running any
   * statement on the same connection does, so one cheap statement runs first.
   */
  async release(connection: DuckDBConnection, abandoned = false): Promise<void> {
    if (!this.leased.delete(connection)) return
    if (this.closed) {
      connection.closeSync()
      return
    }
    if (abandoned) {
      try {
        await connection.run('select 1')
      } catch {
        connection.closeSync()
        return
      }
    }
    if (this.idle.length < this.maxIdle) this.idle.push(connection)
    else connection.closeSync()
  }

  /** Closes every connection; running statements are interrupted and later calls fail. */
  close(): void {
    this.closed = true
    for (const connection of this.leased) {
      connection.interrupt()
      connection.closeSync()
    }
    this.leased.clear()
    for (const connection of this.idle.splice(0)) connection.closeSync()
  }
}
