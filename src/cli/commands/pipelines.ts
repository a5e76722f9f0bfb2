import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { collect } from '../options.js'
import { formatTable } from '../output.js'
import { registerPipelineDaemons } from './pipelines-daemons.js'
import { details, parseParams, progress } from './pipelines-format.js'
import { registerPipelineRuns } from './pipelines-runs.js'

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

  registerPipelineRuns(cmd, ctx)
  registerPipelineDaemons(program, ctx)
}
