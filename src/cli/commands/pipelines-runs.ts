import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { collect, wholeNumber } from '../options.js'
import { formatTable, formatTime } from '../output.js'
import { details, seconds } from './pipelines-format.js'

/** `strata pipelines runs|show|output|cancel|logs|triggers`: the recorded runs, their outputs and logs. */
export function registerPipelineRuns(cmd: Command, ctx: CliContext): void {
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
}
