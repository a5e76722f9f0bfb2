import { Redis } from 'ioredis'
import { errorMessage, isStrataError, StrataError } from '../../core/errors.js'
import type { OnlineField, OnlineValue, OnlineWriteResult } from '../../ports/index.js'
import { type OnlineRecords, OnlineStoreBase } from './online-store-base.js'
import { type PreparedOnlineWrite, setField } from './online-validation.js'
import { REDIS_READ_SCRIPT, REDIS_READ_SCRIPT_KEYS } from './redis-read-script.js'
import { encodeRedisPayload, REDIS_WRITE_SCRIPT } from './redis-write-script.js'

/** Options of {@link RedisOnlineStore}. */
export interface RedisOnlineStoreConfig {
  /**
   * `redis://[user:password@]host:port/db` or `rediss://…` for TLS. A `keyPrefix` query
   * parameter is used as {@link RedisOnlineStoreConfig.keyPrefix} when that is not given.
   */
  url: string
  /** Prepended to every key, so several projects can share a database. Default `strata:online:`. */
  keyPrefix?: string
  /** How long to wait for a TCP connection before the operation fails with `UNAVAILABLE`. Default 5000. */
  connectTimeoutMs?: number
  /** How long to wait for one reply before the operation fails with `UNAVAILABLE`. Default 10000. */
  commandTimeoutMs?: number
  /** The current time in epoch ms, against which `expiresAt` is judged. Default `Date.now`; tests pass a fake clock. */
  now?: () => number
}

const DEFAULT_KEY_PREFIX = 'strata:online:'
const WRITE_COMMAND = 'strataOnlineWrite'
const READ_COMMAND = 'strataOnlineRead'
const SCAN_COUNT = 1000

/** Replies whose cause is the server's state rather than the request; retrying may succeed. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|OOM)\b/

interface StoredPayload {
  t: number
  e?: number
  v: OnlineValue
}

type PipelineResult = [error: Error | null, result: unknown][] | null

/** The totals of write-script replies (`[written, skipped]` each). */
function sumReplies(replies: readonly unknown[]): OnlineWriteResult {
  let written = 0
  let skipped = 0
  for (const reply of replies) {
    const [w, s] = reply as [number, number]
    written += w
    skipped += s
  }
  return { written, skipped }
}

/**
 * Percent-encodes the characters that separate key parts (`:`) or mean something to
 * `SCAN MATCH` and Redis Cluster (`* ? [ ] \ ^ { }`), and `%` itself, so no two
 * namespaces share keys and a namespace's pattern matches only its own keys.
 */
function encodeKeyPart(part: string): string {
  return part.replace(
    /[%:*?[\]\\^{}]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  )
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^]/g, '\\$&')
}

/** The URL with any password replaced by `***`, and the `keyPrefix` parameter it carried. */
function parseUrl(url: string): { clientUrl: string; redacted: string; keyPrefix: string | undefined } {
  try {
    const parsed = new URL(url)
    const keyPrefix = parsed.searchParams.get('keyPrefix') ?? undefined
    parsed.searchParams.delete('keyPrefix')
    const clientUrl = keyPrefix === undefined ? url : parsed.toString()
    if (parsed.password !== '') parsed.password = '***'
    return { clientUrl, redacted: parsed.toString(), keyPrefix }
  } catch {
    return {
      clientUrl: url,
      redacted: url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'),
      keyPrefix: undefined,
    }
  }
}

/**
 * An {@link OnlineStore} on Redis ≥ 6.2 (ioredis): one hash per entity at
 * `<prefix><namespace>:<entityKey>` (namespace percent-encoded), one hash field per
 * record field holding JSON `{t, e?, v}`. Writes run a Lua script per entity, pipelined,
 * so the event-time comparison is atomic; a read is one `HMGET`/`HGETALL` for one entity and
 * one read script call (the same commands, run by the server) for a batch. Hashes whose fields all expire get `PEXPIREAT`; expired fields are also
 * filtered at read time (Redis 7.0 has no per-field expiry). Expiry is judged by this
 * process's clock. A server that is down fails operations fast with `UNAVAILABLE`.
 *
 * @example
 * const online = new RedisOnlineStore({ url: 'redis://127.0.0.1:6379/0' })
 * const [sfo] = await online.read('flights', ['SFO'], ['delays'])
 */
export class RedisOnlineStore extends OnlineStoreBase {
  readonly kind = 'redis'
  readonly #client: Redis
  readonly #url: string
  readonly #keyPrefix: string
  #lastConnectionError: Error | undefined

  constructor(config: RedisOnlineStoreConfig) {
    super(config.now)
    const { clientUrl, redacted, keyPrefix } = parseUrl(config.url)
    this.#url = redacted
    this.#keyPrefix = config.keyPrefix ?? keyPrefix ?? DEFAULT_KEY_PREFIX
    this.#client = new Redis(clientUrl, {
      lazyConnect: true,
      connectTimeout: config.connectTimeoutMs ?? 5000,
      commandTimeout: config.commandTimeoutMs ?? 10_000,
      // Queued commands fail after one reconnect attempt instead of waiting for the server.
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    })
    // Without a listener ioredis prints every failed reconnect; the last one goes into messages.
    this.#client.on('error', (err: Error) => {
      this.#lastConnectionError = err
    })
    this.#client.on('ready', () => {
      this.#lastConnectionError = undefined
    })
    this.#client.defineCommand(WRITE_COMMAND, { numberOfKeys: 1, lua: REDIS_WRITE_SCRIPT })
    this.#client.defineCommand(READ_COMMAND, { lua: REDIS_READ_SCRIPT })
  }

  protected async writeFields(
    namespace: string,
    prepared: readonly PreparedOnlineWrite[],
    now: number,
  ): Promise<OnlineWriteResult> {
    const pipeline = this.#client.pipeline() as unknown as Record<
      typeof WRITE_COMMAND,
      (key: string, ...args: string[]) => void
    > & { exec(): Promise<PipelineResult> }
    for (const [key, args] of this.#scriptCalls(namespace, prepared))
      pipeline[WRITE_COMMAND](key, String(now), ...args)
    return sumReplies(await this.#exec(pipeline, 'write'))
  }

  /**
   * One `MULTI … EXEC` of the write script per entity: Redis runs the queued scripts together,
   * and a client killed before `EXEC` leaves nothing queued applied. The script goes as `EVAL`
   * (not `EVALSHA`), so a script cache flushed meanwhile cannot fail part of the transaction.
   */
  protected async writeFieldsAtomically(
    batches: readonly { namespace: string; writes: readonly PreparedOnlineWrite[] }[],
    now: number,
  ): Promise<OnlineWriteResult[]> {
    const multi = this.#client.multi()
    const counts: number[] = []
    for (const b of batches) {
      const calls = this.#scriptCalls(b.namespace, b.writes)
      counts.push(calls.length)
      for (const [key, args] of calls) multi.eval(REDIS_WRITE_SCRIPT, 1, key, String(now), ...args)
    }
    const replies = await this.#exec(multi as unknown as { exec(): Promise<PipelineResult> }, 'write')
    let offset = 0
    return counts.map((n) => {
      const result = sumReplies(replies.slice(offset, offset + n))
      offset += n
      return result
    })
  }

  /** The write script's key and arguments per entity; batch order is kept within each entity. */
  #scriptCalls(namespace: string, prepared: readonly PreparedOnlineWrite[]): [string, string[]][] {
    const byEntity = new Map<string, string[]>()
    for (const w of prepared) {
      let args = byEntity.get(w.entityKey)
      if (args === undefined) {
        args = []
        byEntity.set(w.entityKey, args)
      }
      args.push(w.field, String(w.eventTime), encodeRedisPayload(w.json, w.eventTime, w.expiresAt))
    }
    return [...byEntity].map(([entityKey, args]) => [this.#key(namespace, entityKey), args])
  }

  protected async readFields(
    namespace: string,
    entityKeys: readonly string[],
    fields: readonly string[] | undefined,
    now: number,
  ): Promise<OnlineRecords> {
    const unique = [...new Set(entityKeys)]
    const replies = await this.#readHashes(
      unique.map((entityKey) => this.#key(namespace, entityKey)),
      fields,
    )
    const payloads = new Map<string, [field: string, payload: string][]>()
    unique.forEach((entityKey, i) => {
      const reply = replies[i]
      const pairs: [string, string][] = []
      if (fields === undefined) {
        const flat = reply as string[]
        for (let j = 0; j + 1 < flat.length; j += 2) pairs.push([flat[j]!, flat[j + 1]!])
      } else {
        ;(reply as (string | null)[]).forEach((payload, j) => {
          if (payload !== null) pairs.push([fields[j]!, payload])
        })
      }
      payloads.set(entityKey, pairs)
    })
    // Decoded per position, so duplicate keys in the request get independent objects.
    return entityKeys.map((entityKey) => {
      let record: Record<string, OnlineField> | undefined
      for (const [field, payload] of payloads.get(entityKey) ?? []) {
        const stored = JSON.parse(payload) as StoredPayload
        if (stored.e !== undefined && stored.e <= now) continue
        record ??= {}
        setField(record, field, { value: stored.v, eventTime: stored.t })
      }
      return record
    })
  }

  /**
   * Each hash's `HMGET` reply for `fields`, or its flat `HGETALL` reply when `fields` is
   * undefined, in key order: one `HMGET` for one key and some fields, else the read script per
   * {@link REDIS_READ_SCRIPT_KEYS} keys.
   */
  async #readHashes(keys: readonly string[], fields: readonly string[] | undefined): Promise<unknown[]> {
    const fieldArgs = fields ?? []
    try {
      if (keys.length === 1 && fields !== undefined) {
        return [await this.#client.hmget(keys[0] as string, ...fields)]
      }
      const script = this.#client as unknown as Record<
        typeof READ_COMMAND,
        (numberOfKeys: number, ...args: string[]) => Promise<unknown[]>
      >
      const calls: Promise<unknown[]>[] = []
      for (let start = 0; start < keys.length; start += REDIS_READ_SCRIPT_KEYS) {
        const chunk = keys.slice(start, start + REDIS_READ_SCRIPT_KEYS)
        calls.push(script[READ_COMMAND](chunk.length, ...chunk, ...fieldArgs))
      }
      return (await Promise.all(calls)).flat(1)
    } catch (err) {
      throw this.#translate(err, 'read')
    }
  }

  protected async deleteFields(namespace: string): Promise<void> {
    const pattern = `${escapeGlob(this.#keyPrefix + encodeKeyPart(namespace))}:*`
    try {
      let cursor = '0'
      do {
        const [next, keys] = await this.#client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
        if (keys.length > 0) await this.#client.unlink(...keys)
        cursor = next
      } while (cursor !== '0')
    } catch (err) {
      throw this.#translate(err, 'deleteNamespace')
    }
  }

  protected async release(): Promise<void> {
    if (this.#client.status === 'ready') {
      await this.#client.quit().catch(() => this.#client.disconnect())
    } else {
      this.#client.disconnect()
    }
  }

  #key(namespace: string, entityKey: string): string {
    return `${this.#keyPrefix}${encodeKeyPart(namespace)}:${entityKey}`
  }

  async #exec(pipeline: { exec(): Promise<PipelineResult> }, operation: string): Promise<unknown[]> {
    let results: PipelineResult
    try {
      results = await pipeline.exec()
    } catch (err) {
      throw this.#translate(err, operation)
    }
    if (results === null) throw this.#translate(new Error('the pipeline was discarded'), operation)
    return results.map(([err, result]) => {
      if (err !== null) throw this.#translate(err, operation)
      return result
    })
  }

  protected describe(): string {
    return `the Redis online store at ${this.#url}`
  }

  #translate(err: unknown, operation: string): StrataError {
    if (isStrataError(err)) return err
    if (this.closed) {
      return new StrataError(
        'FAILED_PRECONDITION',
        `the Redis online store at ${this.#url} was closed during ${operation}`,
        {
          cause: err,
        },
      )
    }
    const message = errorMessage(err)
    const details = { url: this.#url, operation }
    if ((err as { name?: unknown }).name === 'ReplyError') {
      return new StrataError(
        TRANSIENT_REPLY.test(message) ? 'UNAVAILABLE' : 'INTERNAL',
        `Redis at ${this.#url} refused ${operation}: ${message}`,
        { cause: err, details },
      )
    }
    // Everything else ioredis rejects with is about the connection: refused, closed,
    // retries exhausted, timed out.
    const last = this.#lastConnectionError
    const cause =
      last === undefined || last.message === message ? '' : ` (last connection error: ${last.message})`
    return new StrataError(
      'UNAVAILABLE',
      `Redis at ${this.#url} is unavailable for ${operation}: ${message}${cause}; check that the server is running and reachable`,
      { cause: err, details },
    )
  }
}
