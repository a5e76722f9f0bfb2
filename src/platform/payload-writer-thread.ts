import { parentPort, workerData } from 'node:worker_threads'
import { systemClock } from '../core/clock.js'
import type { Principal } from '../core/principal.js'
import { silentTracing } from '../core/tracing.js'
import { PayloadStore, type PredictionEntry } from '../serving/payload-log/index.js'
import { openBackend } from './backend-registry.js'
import { createServiceContext } from './service-context.js'

/** What the payload-log writer thread is started with (see `PayloadWriterThread`). */
export interface PayloadWriterData {
  /** The project's metadata URI (a SQLite file) and blob URI, as configured. */
  metadata: string
  blobs: string
  root: string
  principal: Principal
}

/** A request to the writer thread. */
export type PayloadWriterRequest =
  | {
      /**
       * One batch: `rows`, a JSON array of `encodeEntryRow` strings (redaction applied), and
       * `entries` sent as they are (encoded on the thread, with `redact`).
       */
      op: 'write'
      seq: number
      rows: string
      entries: PredictionEntry[]
      redact: string[]
    }
  | { op: 'close' }

/** An answer of the writer thread. */
export type PayloadWriterAnswer =
  | { ready: true }
  | { loadError: string }
  | { seq: number; batch: string }
  | { seq: number; error: { code: string; message: string } }
  | { closed: true }

/**
 * The body of the payload log's writer thread: opens its own connection to the project's
 * metadata database and writes each batch it is sent with {@link PayloadStore.writeEncoded} (the same
 * transaction, lineage included, as a write on the event loop), one at a time, answering with
 * the batch id or the error.
 */
export async function servePayloadWriterThread(): Promise<void> {
  const port = parentPort
  if (port === null) throw new Error('servePayloadWriterThread runs only in a worker thread')
  const data = workerData as PayloadWriterData
  const [metadata, blobs] = await Promise.all([
    openBackend('metadata', data.metadata, data.root),
    openBackend('blobs', data.blobs, data.root),
  ])
  const store = new PayloadStore(
    createServiceContext({
      metadata,
      blobs,
      principal: data.principal,
      clock: systemClock,
      tracing: silentTracing,
    }),
  )
  // one write at a time, in the order sent (the main side sends one batch at a time anyway)
  let chain = Promise.resolve()
  port.on('message', (m: PayloadWriterRequest) => {
    chain = chain.then(async () => {
      if (m.op === 'close') {
        await metadata.close()
        port.postMessage({ closed: true } satisfies PayloadWriterAnswer)
        return
      }
      try {
        const batch = await store.writeEncoded(m.rows, m.entries, { redact: new Set(m.redact) })
        port.postMessage({ seq: m.seq, batch } satisfies PayloadWriterAnswer)
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown }
        port.postMessage({
          seq: m.seq,
          error: {
            code: typeof e.code === 'string' ? e.code : 'UNAVAILABLE',
            message: String(e.message ?? err),
          },
        } satisfies PayloadWriterAnswer)
      }
    })
  })
  port.postMessage({ ready: true } satisfies PayloadWriterAnswer)
}
