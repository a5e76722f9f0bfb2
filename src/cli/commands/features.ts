import type { Command } from 'commander'
import { type FeatureStore, formatPlan } from '../../features/index.js'
import type { CliContext } from '../context.js'
import type { DefinitionKind } from '../definition-kind.js'
import { examples } from '../help-examples.js'
import { formatTable, formatTime } from '../output.js'
import { addMaterialize, addTrainingSet } from './features-data.js'
import { addPush } from './features-push.js'

type ApplyResult = Awaited<ReturnType<FeatureStore['apply']>>

/**
 * `strata features list|plan|apply|materialize|push|training-set`. The top-level spellings `strata plan`,
 * `strata materialize` and `strata training-set` still work, as hidden aliases that print a
 * one-line hint on stderr (never with `--json`); `strata apply` is the entry that applies every
 * kind of definition (see `apply.ts`).
 */
export function registerFeatures(program: Command, ctx: CliContext): void {
  const features = program
    .command('features')
    .description(
      'feature definitions: plan, apply, materialize or push to the online store, build training sets',
    )
  addList(features, ctx)
  addPlan(features, ctx, ctx.action)
  addApply(features, ctx, ctx.action)
  addMaterialize(features, ctx, ctx.action)
  addPush(features, ctx, ctx.action)
  addTrainingSet(features, ctx, ctx.action)

  const hidden = { hidden: true }
  addPlan(program, ctx, aliasAction(ctx, 'plan'), hidden)
  addMaterialize(program, ctx, aliasAction(ctx, 'materialize'), hidden)
  addTrainingSet(program, ctx, aliasAction(ctx, 'training-set'), hidden)
}

/** `ctx.action` for the old top-level spelling of `strata features <name>`: hints at the new one first. */
function aliasAction(ctx: CliContext, name: string): CliContext['action'] {
  return (fn) =>
    ctx.action(async (out, ...args) => {
      out.hint(`"strata ${name}" is now "strata features ${name}"; the short form will be removed`)
      await fn(out, ...args)
    })
}

function addList(parent: Command, ctx: CliContext): void {
  parent
    .command('list')
    .description(
      'list entities, feature views (with version and online freshness), on-demand features and services',
    )
    .addHelpText('after', examples('strata features list', 'strata features list --json'))
    .action(
      ctx.action(async (out) => {
        await using strata = await ctx.openStrata()
        const store = await strata.features()
        const items = await store.inventory()
        out.result({ definitions: items }, () =>
          items.length === 0
            ? 'no feature definitions'
            : formatTable(
                ['kind', 'name', 'version', 'pending', 'online', 'summary'],
                items.map((i) => [
                  i.kind,
                  i.name,
                  i.version === null ? '-' : `v${i.version}`,
                  i.pending === 'unchanged' ? '' : i.pending,
                  i.materialized === undefined
                    ? ''
                    : i.materialized === null
                      ? 'not materialized'
                      : `${i.materialized.rows} rows at ${formatTime(i.materialized.updatedAt)}${i.materialized.sourceCommit === null ? '' : ` from ${i.materialized.sourceCommit.slice(0, 12)}`}`,
                  i.summary,
                ]),
              ),
        )
      }),
    )
}

function addPlan(
  parent: Command,
  ctx: CliContext,
  act: CliContext['action'],
  options: { hidden?: boolean } = {},
): void {
  parent
    .command('plan', options)
    .addHelpText('after', examples('strata features plan', 'strata features plan --json'))
    .description(
      'show what "strata features apply" would register, change or remove (breaking changes flagged)',
    )
    .action(
      act(async (out) => {
        await using strata = await ctx.openStrata()
        const store = await strata.features()
        const plan = await store.plan()
        out.result(plan, () => formatPlan(plan))
      }),
    )
}

function addApply(parent: Command, ctx: CliContext, act: CliContext['action']): void {
  parent
    .command('apply')
    .addHelpText(
      'after',
      examples('strata features apply', 'strata apply   # every kind of definition, features included'),
    )
    .description('register new versions of changed feature definitions')
    .option('--allow-breaking', 'apply even when the plan has breaking changes')
    .action(
      act(async (out, opts: { allowBreaking?: boolean }) => {
        await using strata = await ctx.openStrata()
        const store = await strata.features()
        const result = await store.apply({ allowBreaking: opts.allowBreaking === true })
        out.result(result, () => formatApplied(result))
      }),
    )
}

function formatApplied(result: ApplyResult): string {
  const lines = [formatPlan(result.plan)]
  if (result.registered.length > 0) {
    lines.push(`Registered ${result.registered.map((r) => `${r.kind} ${r.name} v${r.version}`).join(', ')}.`)
  }
  for (const w of result.warnings) lines.push(`warning: ${w}`)
  return lines.join('\n')
}

/** Feature definitions as a kind `strata apply` applies. */
export const featureDefinitions: DefinitionKind = {
  name: 'features',
  configHint: "features: 'features.ts'",
  planCommand: 'strata features plan',
  configured: (config) => config.features !== undefined,
  breakingChanges: async (strata) => {
    const plan = await (await strata.features()).plan()
    return plan.changes.filter((c) => c.breaking).map((c) => `${c.kind} ${c.name}`)
  },
  apply: async (strata, options) => {
    const result = await (await strata.features()).apply(options)
    return { result, human: formatApplied(result) }
  },
}
