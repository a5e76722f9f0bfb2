import type { Command } from 'commander'
import type { TriggeredRun } from '../../pipelines/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { positiveNumber, wholeNumber } from '../options.js'

/** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
}

/** `strata scheduler` (fires pipeline triggers) and `strata worker` (runs queued steps): processes that run until stopped. */
export function registerPipelineDaemons(program: Command, ctx: CliContext): void {
  program
    .command('scheduler')
    .addHelpText('after', examples('strata scheduler', 'strata scheduler --once'))
    .description(
      'fire pipeline triggers (new commits, cron) and drive their runs; resumes runs whose coordinator died',
    )
    .option('--once', 'check the triggers once, drive the runs they start to their end, and exit')
    .option('--poll-seconds <n>', 'seconds between two checks', '10')
    .action(
      ctx.action(async (out, opts: { once?: boolean; pollSeconds: string }) => {
        const poll = positiveNumber('--poll-seconds', opts.pollSeconds)
        const { TriggerLoop } = await import('../../pipelines/index.js')
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const results: TriggeredRun[] = []
        const loop = new TriggerLoop(
          engine,
          { now: () => Date.now() },
          {
            pollMs: poll * 1000,
            onRun: (r) => {
              results.push(r)
              if (!out.json)
                out.streams.stderr(
                  `${r.pipeline} run ${r.runId} (${r.trigger} ${r.fireKey}): ${r.error ?? r.status}\n`,
                )
            },
            onProblem: (message) => {
              if (!out.json) out.streams.stderr(`scheduler: ${message}\n`)
            },
          },
        )
        if (opts.once === true) {
          await loop.check()
          await loop.idle()
          const runs = results.map(({ error: _error, ...r }) => r)
          out.result({ runs }, () => (runs.length === 0 ? 'no trigger fired' : ''))
          if (runs.some((r) => r.status !== 'succeeded')) ctx.setExitCode(1)
          return
        }
        if (!out.json) out.streams.stderr(`scheduler ${process.pid}: checking triggers every ${poll}s\n`)
        loop.start()
        await untilStopped()
        await loop.close()
      }),
    )

  program
    .command('worker')
    .addHelpText('after', examples('STRATA_EXECUTOR_URL=redis://localhost:6379/0 strata worker -c 2'))
    .description(
      "run pipeline steps from the BullMQ queue of the project's executor until stopped (SIGINT/SIGTERM)",
    )
    .option('-c, --concurrency <n>', 'steps run at once', '1')
    .option('-q, --queue <name>', "queue to pull from (default: the executor URI's queue)")
    .option('--lock-seconds <n>', "seconds before a killed worker's step is given to another worker", '30')
    .action(
      ctx.action(async (out, opts: { concurrency: string; queue?: string; lockSeconds: string }) => {
        const concurrency = wholeNumber('--concurrency', opts.concurrency, 1)
        const lockSeconds = positiveNumber('--lock-seconds', opts.lockSeconds)
        const { startExecutorWorker } = await import('../../platform/index.js')
        await using strata = await ctx.openStrata()
        const catalog = await strata.pipelineCatalog()
        const worker = await startExecutorWorker(strata.config.executor, await strata.stepHandler(), {
          concurrency,
          lockSeconds,
          ...(opts.queue === undefined ? {} : { queue: opts.queue }),
        })
        const names = (await catalog.list()).map((p) => p.name)
        out.result(
          { worker: { queue: worker.queue, concurrency, pid: process.pid, pipelines: names } },
          () => '',
        )
        if (!out.json)
          out.streams.stderr(
            `worker ${process.pid} on queue ${worker.queue} (concurrency ${concurrency}): ${names.join(', ')}\n`,
          )
        await untilStopped()
        await worker.close()
      }),
    )
}
