import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type {
  PipelineEngine,
  PipelineRunDetails,
  StepEvent,
  StepRun,
  TriggeredRun,
} from '../../pipelines/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { formatSeconds, formatTable, formatTime, type Output } from '../output.js'

const collect = (value: string, previous: string[] = []) => [...previous, value]

/** `--param k=v` values as an object; a value without `=` fails naming it. */
function parseParams(given: readonly string[] = [], option = '--param'): Record<string, string> {
  const params: Record<string, string> = {}
  for (const entry of given) {
    const eq = entry.indexOf('=')
    if (eq <= 0)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${option} "${entry}" is invalid; expected name=value, e.g. ${option} ${option === '--param' ? 'lr=0.1' : 'team=risk'}`,
      )
    params[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return params
}

const seconds = (ms: number | null | undefined) => (ms == null ? '' : formatSeconds(ms / 1000))
const duration = (s: { startedAt: number | null; endedAt: number | null }) =>
  s.startedAt !== null && s.endedAt !== null ? seconds(s.endedAt - s.startedAt) : ''

function stepTable(steps: readonly StepRun[], order: readonly string[]): string {
  const rank = new Map(order.map((n, i) => [n, i]))
  const sorted = [...steps].sort((a, b) => (rank.get(a.step) ?? 0) - (rank.get(b.step) ?? 0))
  return formatTable(
    ['step', 'state', 'duration', 'cached', 'attempt', 'error'],
    sorted.map((s) => [
      s.step,
      s.status,
      duration(s),
      s.cached ? 'yes' : '',
      s.attempt,
      (s.error ?? '').split('\n')[0],
    ]),
  )
}

async function details(engine: PipelineEngine, d: PipelineRunDetails): Promise<string> {
  const order = await engine.pipeline(d.run.pipeline).then(
    (p) => p.steps.map((s) => s.name),
    () => d.steps.map((s) => s.step),
  )
  const head = `run ${d.run.runId} of ${d.run.pipeline}: ${d.run.status}${d.run.error === null ? '' : ` (${d.run.error.split('\n')[0]})`}`
  return `${head}\n${stepTable(d.steps, order)}`
}

/** Step events as progress lines on stderr (people only; `--json` stays one document). */
function progress(out: Output): ((e: StepEvent) => void) | undefined {
  if (out.json) return undefined
  return (e) => {
    const mark = { running: '…', succeeded: '✓', failed: '✗', skipped: '-', retrying: '↻', cancelled: '⊘' }[
      e.status
    ]
    const extra = [
      e.cached ? 'cached' : '',
      e.durationMs === undefined || e.cached ? '' : seconds(e.durationMs),
      e.attempt > 1 ? `attempt ${e.attempt}` : '',
      e.error ?? '',
    ].filter(Boolean)
    out.streams.stderr(`${mark} ${e.step} ${e.status}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}\n`)
  }
}

/** `strata pipelines list|plan|run|show|runs|resume|output` and `strata worker`. */
export function registerPipelines(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('pipelines')
    .alias('pipeline')
    .description('plan, run and inspect the DAG pipelines of the project (pipelines in strata.config.ts)')

  cmd
    .command('list')
    .addHelpText('after', examples('strata pipelines list'))
    .description('list the pipelines the project defines, with their steps and params')
    .action(
      ctx.action(async (out) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const { summarizePipeline } = await import('../../pipelines/index.js')
        const list = (await engine.list()).map(summarizePipeline)
        out.result({ pipelines: list }, () =>
          formatTable(
            ['pipeline', 'steps', 'params'],
            list.map((p) => [p.name, p.steps.map((s) => s.name).join(' → '), JSON.stringify(p.params)]),
          ),
        )
      }),
    )

  cmd
    .command('plan')
    .addHelpText('after', examples('strata pipelines plan training'))
    .description('show, per step, whether a run would execute it or reuse its cached output, and why')
    .argument('<pipeline>', 'pipeline name')
    .option('-P, --param <name=value>', 'override a param (repeatable)', collect)
    .option('--no-cache', 'plan a run that reuses no cached output')
    .action(
      ctx.action(async (out, name: string, opts: { param?: string[]; cache: boolean }) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const plan = await engine.plan(name, { params: parseParams(opts.param), noCache: !opts.cache })
        out.result(plan, () =>
          formatTable(
            ['step', 'action', 'why'],
            plan.steps.map((s) => [s.step, s.action, s.why]),
          ),
        )
      }),
    )

  cmd
    .command('run')
    .addHelpText(
      'after',
      examples('strata pipelines run training', 'strata pipelines run training -P days=30 --no-cache'),
    )
    .description('run a pipeline to its end (progress on stderr); exits 1 when a step failed')
    .argument('<pipeline>', 'pipeline name')
    .option('-P, --param <name=value>', 'override a param (repeatable)', collect)
    .option('--no-cache', 'run every step, reusing no cached output')
    .option('--name <name>', 'a label for the run (default <pipeline>-<run id>)')
    .option('-t, --tag <key=value>', 'a tag recorded with the run (repeatable)', collect)
    .action(
      ctx.action(
        async (
          out,
          name: string,
          opts: { param?: string[]; cache: boolean; name?: string; tag?: string[] },
        ) => {
          const tags = parseParams(opts.tag, '--tag')
          await using strata = await ctx.openStrata()
          const engine = await strata.pipelines()
          const onEvent = progress(out)
          const result = await engine.run(name, {
            params: parseParams(opts.param),
            noCache: !opts.cache,
            tags,
            ...(opts.name === undefined ? {} : { name: opts.name }),
            ...(onEvent === undefined ? {} : { onEvent }),
          })
          out.result(result, () => '')
          if (!out.json) out.streams.stdout(`${await details(engine, result)}\n`)
          if (result.run.status !== 'succeeded') ctx.setExitCode(1)
        },
      ),
    )

  cmd
    .command('resume')
    .addHelpText('after', examples('strata pipelines resume 3f2a9c1b'))
    .description('drive a failed or abandoned run to its end; steps that succeeded do not run again')
    .argument('<run>', 'run id')
    .option('--force', 'take over a run whose coordinator still looks alive (its heartbeat is recent)')
    .action(
      ctx.action(async (out, runId: string, opts: { force?: boolean }) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const onEvent = progress(out)
        const result = await engine.resume(runId, {
          force: opts.force === true,
          ...(onEvent === undefined ? {} : { onEvent }),
        })
        out.result(result, () => '')
        if (!out.json) out.streams.stdout(`${await details(engine, result)}\n`)
        if (result.run.status !== 'succeeded') ctx.setExitCode(1)
      }),
    )

  cmd
    .command('runs')
    .addHelpText(
      'after',
      examples('strata pipelines runs training', 'strata pipelines runs -f "status = \'failed\'"'),
    )
    .description("list pipeline runs, newest first, filtered with MLflow's search syntax")
    .argument('[pipeline]', 'only runs of this pipeline')
    .option('-f, --filter <filter>', `e.g. "status = 'failed' and tags.trigger LIKE 'commit%'"`)
    .option('--order-by <entry>', 'e.g. "end_time DESC" (repeatable)', collect)
    .option('-n, --max <n>', 'maximum number of runs', '50')
    .option('--page-token <token>', 'continue after a previous page')
    .action(
      ctx.action(
        async (
          out,
          name: string | undefined,
          opts: { filter?: string; orderBy?: string[]; max: string; pageToken?: string },
        ) => {
          const max = wholeNumber('--max', opts.max, 1)
          const clauses = [
            ...(name === undefined ? [] : [`pipeline = '${name.replaceAll("'", "''")}'`]),
            ...(opts.filter === undefined ? [] : [opts.filter]),
          ]
          await using strata = await ctx.openStrata()
          const engine = await strata.pipelines()
          const page = await engine.search({
            maxResults: max,
            orderBy: opts.orderBy ?? [],
            ...(clauses.length === 0 ? {} : { filter: clauses.join(' AND ') }),
            ...(opts.pageToken === undefined ? {} : { pageToken: opts.pageToken }),
          })
          const runs = page.items
          out.result({ runs, nextPageToken: page.nextPageToken ?? null }, () =>
            runs.length === 0
              ? 'no pipeline runs match'
              : formatTable(
                  ['run id', 'pipeline', 'status', 'created', 'duration', 'tags'],
                  runs.map((r) => [
                    r.runId,
                    r.pipeline,
                    r.status,
                    formatTime(r.createdAt),
                    r.endedAt === null ? '' : seconds(r.endedAt - (r.startedAt ?? r.createdAt)),
                    Object.entries(r.tags)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(' '),
                  ]),
                ),
          )
        },
      ),
    )

  cmd
    .command('show')
    .addHelpText('after', examples('strata pipelines show 3f2a9c1b'))
    .description('show a run and the state of each step')
    .argument('<run>', 'run id')
    .action(
      ctx.action(async (out, runId: string) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const d = await engine.show(runId)
        out.result(d, () => '')
        if (!out.json) out.streams.stdout(`${await details(engine, d)}\n`)
      }),
    )

  cmd
    .command('output')
    .addHelpText('after', examples('strata pipelines output 3f2a9c1b train'))
    .description("print a step's output (JSON) from a run")
    .argument('<run>', 'run id')
    .argument('<step>', 'step name')
    .action(
      ctx.action(async (out, runId: string, stepName: string) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const value = await engine.output(runId, stepName)
        out.result(value, () => JSON.stringify(value, null, 2))
      }),
    )

  cmd
    .command('cancel')
    .addHelpText('after', examples('strata pipelines cancel 3f2a9c1b'))
    .description('cancel a running run: its running steps are stopped (threads, child processes, queue jobs)')
    .argument('<run>', 'run id')
    .action(
      ctx.action(async (out, runId: string) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const d = await engine.cancel(runId)
        out.result(d, () => '')
        if (!out.json) out.streams.stdout(`${await details(engine, d)}\n`)
      }),
    )

  cmd
    .command('logs')
    .addHelpText(
      'after',
      examples(
        'strata pipelines logs 3f2a9c1b --step train',
        'strata pipelines logs 3f2a9c1b --follow --json',
      ),
    )
    .description("print a run's step logs (ctx.log lines; a command step's stdout and stderr), per attempt")
    .argument('<run>', 'run id')
    .option('--step <name>', 'only this step')
    .option(
      '--follow',
      'stream the lines as steps write them until the run ends; exit code 0 when it succeeded, 1 when it failed, 2 when it was cancelled',
    )
    .option('--poll-ms <n>', 'with --follow: milliseconds between two looks at the store', '500')
    .action(
      ctx.action(async (out, runId: string, opts: { step?: string; follow?: boolean; pollMs: string }) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        if (opts.follow === true) {
          const pollMs = wholeNumber('--poll-ms', opts.pollMs, 1)
          let last = ''
          const lines = await engine.followLogs(runId, {
            pollMs,
            ...(opts.step === undefined ? {} : { step: opts.step }),
          })
          for await (const l of lines) {
            if (out.json) out.streams.stdout(`${JSON.stringify(l)}\n`)
            else {
              const head = `${l.step} (attempt ${l.attempt})`
              if (head !== last) out.streams.stdout(`== ${head}\n`)
              last = head
              out.streams.stdout(`${l.line}\n`)
            }
          }
          const { run } = await engine.show(runId)
          if (out.json) out.streams.stdout(`${JSON.stringify({ run: run.runId, status: run.status })}\n`)
          else out.streams.stderr(`run ${run.runId} of ${run.pipeline}: ${run.status}\n`)
          if (run.status !== 'succeeded') ctx.setExitCode(run.status === 'cancelled' ? 2 : 1)
          return
        }
        const logs = await engine.logs(runId, opts.step)
        out.result({ logs }, () =>
          logs.length === 0
            ? '(no log lines)'
            : logs.map((l) => [`== ${l.step} (attempt ${l.attempt})`, ...l.lines].join('\n')).join('\n'),
        )
      }),
    )

  cmd
    .command('triggers')
    .addHelpText('after', examples('strata pipelines triggers'))
    .description('list the triggers of every pipeline and when each last fired')
    .action(
      ctx.action(async (out) => {
        await using strata = await ctx.openStrata()
        const engine = await strata.pipelines()
        const rows: {
          pipeline: string
          trigger: string
          lastFire: { fireKey: string; runId: string; firedAt: number } | null
        }[] = []
        for (const p of await engine.list()) {
          for (const t of p.triggers)
            rows.push({
              pipeline: p.name,
              trigger: t.id,
              lastFire: (await engine.lastFire(p.name, t.id)) ?? null,
            })
        }
        out.result({ triggers: rows }, () =>
          rows.length === 0
            ? 'no pipeline declares a trigger'
            : formatTable(
                ['pipeline', 'trigger', 'last fired', 'for', 'run'],
                rows.map((r) => [
                  r.pipeline,
                  r.trigger,
                  r.lastFire === null ? 'never' : formatTime(r.lastFire.firedAt),
                  r.lastFire?.fireKey ?? '',
                  r.lastFire?.runId ?? '',
                ]),
              ),
        )
      }),
    )

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
        const poll = Number(opts.pollSeconds)
        if (!Number.isFinite(poll) || poll <= 0) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `--poll-seconds "${opts.pollSeconds}" is invalid; expected a number > 0`,
          )
        }
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
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve)
          process.once('SIGTERM', resolve)
        })
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
        const lockSeconds = Number(opts.lockSeconds)
        if (!Number.isFinite(lockSeconds) || lockSeconds <= 0) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `--lock-seconds "${opts.lockSeconds}" is invalid; expected a number > 0`,
          )
        }
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
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve)
          process.once('SIGTERM', resolve)
        })
        await worker.close()
      }),
    )
}
