import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import { preparedQuery } from '../db/index.js'
import type { BlobStore } from '../ports/index.js'
import { canonicalJson, sha256 } from './cache-key.js'
import type { PipelineTables } from './pipeline-migrations.js'
import type { JsonValue } from './step.js'
import { getOutput, outputKey } from './step-outputs.js'

/**
 * Outputs whose canonical JSON is at most this many bytes (UTF-16 code units) are stored in the
 * metadata database, in the transaction that publishes the step; larger ones are blobs.
 */
export const INLINE_OUTPUT_BYTES = 4096

/** An output ready to publish: its content hash, and its JSON when it is stored inline. */
export interface PreparedOutput {
  hash: string
  /** Canonical JSON to insert with the step's publication; undefined when it is a blob already. */
  inline: string | undefined
}

type Db = Kysely<PipelineTables>
const IN_CHUNK = 500

let insertOutput: ReturnType<typeof prepareInsert> | undefined
const prepareInsert = () =>
  preparedQuery<{ hash: string; value: string; at: number }>((db: Db, arg) =>
    db
      .insertInto('pipeline_outputs')
      .values({ output_hash: arg((o) => o.hash), value: arg((o) => o.value), created_at: arg((o) => o.at) })
      .onConflict((oc) => oc.column('output_hash').doNothing()),
  )

/**
 * Step outputs, content-addressed (the id is the sha256 of the canonical JSON, wherever the
 * value lives): small ones are rows of `pipeline_outputs` written in the publishing transaction
 * (no blob write, no fsync of its own), large ones blobs under `pipelines/outputs/`. A read
 * checks the table, then the blob store, and verifies an inline value against its hash.
 */
export class OutputStore {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
  ) {}

  /**
   * Hashes a value; a large one is written to the blob store now (atomic, idempotent), a small
   * one is returned for {@link insert} inside the transaction that publishes it.
   */
  async prepare(value: unknown): Promise<PreparedOutput> {
    const text = canonicalJson(value as JsonValue)
    const hash = sha256(text)
    if (text.length <= INLINE_OUTPUT_BYTES) return { hash, inline: text }
    if ((await this.blobs.stat(outputKey(hash))) === undefined) {
      await this.blobs.put(outputKey(hash), new TextEncoder().encode(text))
    }
    return { hash, inline: undefined }
  }

  /** Inserts an inline output within `trx` (nothing when the hash is already stored). */
  async insert(trx: Db, output: PreparedOutput, at: number): Promise<void> {
    if (output.inline === undefined) return
    insertOutput ??= prepareInsert() // on first use, not while modules load (see run-store)
    await insertOutput.execute(trx, { hash: output.hash, value: output.inline, at })
  }

  /** One output by hash; `INTERNAL` when it is recorded nowhere. */
  async get(hash: string): Promise<JsonValue> {
    return (await this.getMany([hash])).get(hash) as JsonValue
  }

  /** Outputs by hash (inline ones in one query per 500), each verified. */
  async getMany(hashes: readonly string[]): Promise<Map<string, JsonValue>> {
    const unique = [...new Set(hashes)]
    const out = new Map<string, JsonValue>()
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const rows = await this.db
        .selectFrom('pipeline_outputs')
        .select(['output_hash', 'value'])
        .where('output_hash', 'in', unique.slice(i, i + IN_CHUNK))
        .execute()
      for (const r of rows) {
        if (sha256(r.value) !== r.output_hash) {
          throw new StrataError(
            'INTERNAL',
            `pipeline output ${r.output_hash} is corrupt: its stored JSON hashes to ${sha256(r.value)}`,
          )
        }
        out.set(r.output_hash, JSON.parse(r.value) as JsonValue)
      }
    }
    for (const hash of unique) if (!out.has(hash)) out.set(hash, await getOutput(this.blobs, hash))
    return out
  }
}
