import { dirname } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { errorMessage } from '../core/errors.js'
import type { StepJob } from '../ports/index.js'
import { loadPipelines } from './load-pipelines.js'
import { createStepHandler } from './step-runner.js'

/** What a step thread receives: one job at a time. */
export interface StepThreadRequest {
  id: number
  job: StepJob
}

/** What a step thread sends back. */
export type StepThreadMessage =
  | { ready: true }
  | { loadError: string }
  | { id: number; result: import('../ports/index.js').StepJobResult }
  /** A `ctx.log` line of the job under way, as it is written (for live logs). */
  | { job: string; line: string }

/**
 * The body of a step thread (started by `StepThreadPool`): loads the pipelines module named in
 * `workerData.module` through the user-module loader (so `strata-ml` resolves to this copy of
 * Strata), says `ready` (or `loadError`), then runs each job it is sent with the in-process
 * step handler and posts the result.
 */
export async function serveStepThread(): Promise<void> {
  const port = parentPort
  if (port === null) throw new Error('serveStepThread runs in a worker thread')
  const module = (workerData as { module: string }).module
  let handler: ReturnType<typeof createStepHandler>
  try {
    const catalog = await loadPipelines(dirname(module), module)
    handler = createStepHandler(catalog.get, {
      liveLog: (job) => ({
        line: (line) => port.postMessage({ job: job.id, line } satisfies StepThreadMessage),
        close: async () => {},
      }),
    })
  } catch (err) {
    port.postMessage({ loadError: errorMessage(err) } satisfies StepThreadMessage)
    return
  }
  port.on('message', (req: StepThreadRequest) => {
    handler(req.job).then(
      (result) => port.postMessage({ id: req.id, result } satisfies StepThreadMessage),
      (err: unknown) =>
        port.postMessage({
          id: req.id,
          result: {
            ok: false,
            log: [],
            error: {
              code: 'INTERNAL',
              message: `step handler failed: ${errorMessage(err)}`,
              retryable: true,
            },
          },
        } satisfies StepThreadMessage),
    )
  })
  port.postMessage({ ready: true } satisfies StepThreadMessage)
}
