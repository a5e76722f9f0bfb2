import type { SourceConnections } from './source-adapter.js'

/** A connection a source adapter opens, such as a Postgres pool. */
interface Connection {
  end(): Promise<void>
}

/**
 * The connections a feature store's source adapters open, each once per key (a Postgres pool
 * per URL), all ended together by {@link SourceConnectionCache.closeAll}.
 */
export class SourceConnectionCache implements SourceConnections {
  readonly #connections = new Map<string, Connection>()

  get<T extends Connection>(key: string, open: () => T): T {
    let connection = this.#connections.get(key) as T | undefined
    if (connection === undefined) {
      connection = open()
      this.#connections.set(key, connection)
    }
    return connection
  }

  /** Ends every open connection (failures are ignored) and forgets them. */
  async closeAll(): Promise<void> {
    const connections = [...this.#connections.values()]
    this.#connections.clear()
    await Promise.allSettled(connections.map((c) => c.end()))
  }
}
