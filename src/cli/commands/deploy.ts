import type { Command } from 'commander'
import { type DurationUnit, parseDuration } from '../../core/duration.js'
import { StrataError } from '../../core/errors.js'
import {
  type CreateDeploymentInput,
  type DeploymentDecision,
  type DeploymentView,
  describeLabelTest,
  formatGuard,
  GUARD_METRICS,
  STRATEGIES,
  type Strategy,
} from '../../serving/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { formatSeconds, formatTable, formatTime } from '../output.js'

interface CreateOptions {
  model?: string
  champion?: string
  candidate?: string
  strategy?: string
  steps?: string
  split?: string
  mirror?: string
  stickyHeader?: string
  stickyInput?: string
  interval?: string
  guard?: string[]
  autoPromote?: boolean
  candidateTimeout?: string
  compareRate?: string
  tolerance?: string
  webhook?: string[]
  reason?: string
}

/** The units of a rollout's durations (`--interval`, `--candidate-timeout`): `500ms` to hours. */
const DELIVERY_UNITS: readonly DurationUnit[] = ['ms', 's', 'm', 'h']

/** An option's duration (`60s`, `5m`, `500ms`, `1h`) in ms; `INVALID_ARGUMENT` naming the option otherwise. */
const optionDuration = (option: string, value: string): number => parseDuration(option, value, DELIVERY_UNITS)

function number(option: string, value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new StrataError('INVALID_ARGUMENT', `${option} "${value}" is invalid; expected a number`)
  }
  return n
}

/** `3=90,4=10` → `{ "3": 90, "4": 10 }`. */
function parseSplit(value: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const part of value.split(',')) {
    const [v, w] = part.split('=')
    if (v === undefined || w === undefined || !/^\d+$/.test(v.trim())) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `--split "${value}" is invalid; expected version=weight pairs, e.g. 3=90,4=10`,
      )
    }
    out[v.trim()] = number('--split weight', w)
  }
  return out
}

function createInput(o: CreateOptions): CreateDeploymentInput {
  if (o.strategy !== undefined && !(STRATEGIES as readonly string[]).includes(o.strategy)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `--strategy "${o.strategy}" is invalid; expected one of ${STRATEGIES.join(', ')}`,
    )
  }
  if (o.stickyHeader !== undefined && o.stickyInput !== undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'give one sticky key: --sticky-header or --sticky-input, not both',
    )
  }
  const input: CreateDeploymentInput = {}
  if (o.model !== undefined) input.model = o.model
  if (o.champion !== undefined) input.champion = number('--champion', o.champion)
  if (o.candidate !== undefined) input.candidate = number('--candidate', o.candidate)
  if (o.strategy !== undefined) input.strategy = o.strategy as Strategy
  if (o.steps !== undefined) input.steps = o.steps.split(',').map((s) => number('--steps', s))
  if (o.split !== undefined) input.split = parseSplit(o.split)
  if (o.mirror !== undefined) input.mirror = number('--mirror', o.mirror)
  if (o.stickyHeader !== undefined) input.sticky = { header: o.stickyHeader }
  if (o.stickyInput !== undefined) input.sticky = { input: o.stickyInput }
  if (o.interval !== undefined) input.intervalMs = optionDuration('--interval', o.interval)
  if (o.guard !== undefined) input.guards = o.guard
  if (o.autoPromote !== undefined) input.autoPromote = o.autoPromote
  if (o.candidateTimeout !== undefined)
    input.candidateTimeoutMs = optionDuration('--candidate-timeout', o.candidateTimeout)
  if (o.compareRate !== undefined) input.compareRate = number('--compare-rate', o.compareRate)
  if (o.tolerance !== undefined) input.tolerance = number('--tolerance', o.tolerance)
  if (o.webhook !== undefined) input.webhooks = o.webhook
  if (o.reason !== undefined) input.reason = o.reason
  return input
}

/** The text `strata deploy status <name>` prints: revision, policy, share and the last decision with its evidence. */
export function describeStatus(d: DeploymentView): string {
  const p = d.policy
  const lines = [
    `deployment ${d.name} — revision ${d.revision} (${d.action} by ${d.actor} at ${formatTime(d.createdAt)}${d.reason === null ? '' : `: ${d.reason}`})`,
    `  model ${p.model}: champion version ${p.champion}${p.previous === null ? '' : ` (previous ${p.previous} kept warm)`}`,
  ]
  if (p.candidate !== null) {
    lines.push(
      `  ${p.strategy} of version ${p.candidate}: ${p.status}, step ${p.step + 1} of ${p.steps.length} (${p.steps.join(' → ')} %), candidate share ${d.weight} %` +
        (p.mirror > 0 ? `, mirroring ${p.mirror} %` : '') +
        (p.sticky === null
          ? ''
          : `, sticky by ${'header' in p.sticky ? `header ${p.sticky.header}` : `input ${p.sticky.input}`}`),
    )
    lines.push(
      `  guards: ${p.guards.map(formatGuard).join(', ')}; interval ${formatSeconds(p.intervalMs / 1000)}`,
    )
    if (d.evaluateAt !== null) lines.push(`  next evaluation at ${formatTime(d.evaluateAt)}`)
  } else {
    lines.push(`  status ${p.status}`)
  }
  if (d.lastDecision !== null) lines.push(`  last decision: ${describeDecision(d.lastDecision)}`)
  return lines.join('\n')
}

function describeDecision(d: DeploymentDecision): string {
  const head = `${d.action} at ${formatTime(d.at)} by ${d.actor} (revision ${d.revision}): ${d.reason}`
  if (d.evidence === null) return head
  const table = formatTable(
    ['guard', 'value', 'max', 'samples', 'min', 'champion', 'outcome'],
    d.evidence.guards.map((g) => [
      g.metric,
      g.value === null ? 'n/a' : Number(g.value.toPrecision(4)),
      g.max,
      g.samples,
      g.minSamples,
      g.champion === null ? 'n/a' : Number(g.champion.toPrecision(4)),
      g.outcome,
    ]),
  )
  // label-based guards: both values, the difference with its interval, n, p (or why they wait)
  const tests = d.evidence.guards.flatMap((g) =>
    g.test === undefined
      ? []
      : [
          `${g.metric}: ${g.test.candidate === null ? (g.test.note ?? 'no labelled predictions') : `${describeLabelTest(g.metric, g.test)}, p(worse by more than ${g.max}) = ${pValue(g.test.pValue)} (${g.test.test})${g.test.note === undefined ? '' : `; ${g.test.note}`}`}`,
        ],
  )
  return `${head}\n${[table, ...tests]
    .join('\n')
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}`
}

function pValue(p: number | null): string {
  if (p === null) return 'n/a'
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)))
}

/** `strata deploy create|status|history|promote|rollback|pause|resume|abort` (see docs/delivery.md). */
export function registerDeploy(program: Command, ctx: CliContext): void {
  const deploy = program
    .command('deploy')
    .description(
      'progressive delivery: deployments with canary, shadow, sticky A/B and blue-green rollouts, guarded promotion and rollback',
    )

  deploy
    .command('create')
    .description('create a deployment, or a new revision of it: serve a champion, or roll out a candidate')
    .argument('<name>', 'the endpoint name (served at /v2/models/<name>)')
    .option('--model <name>', 'the registered model (default: the deployment name)')
    .option(
      '--champion <version>',
      "the champion version (default: the deployment's, else the model's champion alias)",
    )
    .option('--candidate <version>', 'the version to roll out')
    .option('--strategy <strategy>', `${STRATEGIES.join(', ')} (default canary with a candidate)`)
    .option('--steps <list>', 'canary steps: candidate share in %, e.g. 5,25,50,100')
    .option('--split <list>', 'A/B weights by version summing to 100, e.g. 3=90,4=10')
    .option(
      '--mirror <percent>',
      "share of the champion's traffic mirrored to the candidate (shadow: default 100)",
    )
    .option('--sticky-header <name>', 'split by a consistent hash of this request header')
    .option('--sticky-input <name>', "split by a consistent hash of this input's first row (an entity key)")
    .option('--interval <duration>', 'how long each step runs before its guards decide (e.g. 60s, 5m)', '60s')
    .option(
      '--guard <spec...>',
      `metric<=max[@minSamples][,confidence=c][,output=name]; metrics: ${GUARD_METRICS.join(', ')} (default error_rate<=0.01@100; label-based ones, e.g. auc_drop<=0.02@300, need ingested labels: see docs/delivery.md)`,
    )
    .option('--auto-promote', 'promote when the last step passes (default, except ab and shadow)')
    .option('--no-auto-promote', 'hold at the last step until "strata deploy promote"')
    .option('--candidate-timeout <duration>', 'a slower candidate call falls back to the champion', '2s')
    .option(
      '--compare-rate <share>',
      'share (0–1) of candidate-served requests also run on the champion to compare',
      '1',
    )
    .option('--tolerance <relative>', 'outputs within this relative difference agree (disagreement guard)')
    .option('--webhook <url...>', 'POST every decision to these URLs')
    .option('--reason <text>', 'why (recorded with the revision)')
    .addHelpText(
      'after',
      examples(
        'strata deploy create delay --model delay',
        "strata deploy create delay --candidate 2 --steps 5,25,50,100 --interval 5m --guard 'error_rate<=0.01@200'",
        'strata deploy create delay --candidate 2 --strategy ab --split 1=90,2=10 --sticky-header x-user-id',
        'strata deploy create delay --candidate 2 --strategy shadow --mirror 25',
        'strata deploy create delay --candidate 2 --strategy blue-green --interval 10m',
      ),
    )
    .action(
      ctx.action(async (out, name: string, opts: CreateOptions) => {
        await using strata = await ctx.openStrata()
        const delivery = await strata.delivery()
        await delivery.create(name, createInput(opts))
        const view = await delivery.status(name)
        out.result(view, () => describeStatus(view))
      }),
    )

  deploy
    .command('status')
    .description(
      "a deployment's revision, policy, candidate share and last decision with its evidence (all deployments without a name)",
    )
    .argument('[name]', 'the deployment')
    .addHelpText('after', examples('strata deploy status delay', 'strata deploy status --json'))
    .action(
      ctx.action(async (out, name: string | undefined) => {
        await using strata = await ctx.openStrata()
        const delivery = await strata.delivery()
        if (name !== undefined) {
          const view = await delivery.status(name)
          out.result(view, () => describeStatus(view))
          return
        }
        const all = await delivery.list()
        out.result(all, () =>
          all.length === 0
            ? 'no deployments; create one with "strata deploy create <name> --model <model>"'
            : formatTable(
                ['NAME', 'REVISION', 'STRATEGY', 'CHAMPION', 'CANDIDATE', 'SHARE %', 'STATUS'],
                all.map((d) => [
                  d.name,
                  d.revision,
                  d.policy.strategy,
                  d.policy.champion,
                  d.policy.candidate ?? '',
                  d.weight,
                  d.policy.status,
                ]),
              ),
        )
      }),
    )

  deploy
    .command('history')
    .description('every revision (who, when, why) and every decision with its evidence')
    .argument('<name>', 'the deployment')
    .addHelpText('after', examples('strata deploy history delay', 'strata deploy history delay --json'))
    .action(
      ctx.action(async (out, name: string) => {
        await using strata = await ctx.openStrata()
        const history = await (await strata.delivery()).history(name)
        out.result(history, () =>
          [
            formatTable(
              ['REVISION', 'ACTION', 'BY', 'AT', 'CHAMPION', 'CANDIDATE', 'SHARE %', 'STATUS', 'WHY'],
              history.revisions.map((r) => [
                r.revision,
                r.action,
                r.actor,
                formatTime(r.createdAt),
                r.policy.champion,
                r.policy.candidate ?? '',
                r.policy.candidate === null ? 0 : (r.policy.steps[r.policy.step] ?? 0),
                r.policy.status,
                r.reason ?? '',
              ]),
            ),
            '',
            'decisions:',
            ...history.decisions.map((d) => `  ${describeDecision(d)}`),
          ].join('\n'),
        )
      }),
    )

  const controls = {
    promote:
      'promote the running rollout\'s candidate now (moves the "champion" alias; the old champion stays warm)',
    rollback: 'roll back now: all traffic to the champion (after a promotion: back to the previous champion)',
    pause: 'hold the rollout at its current step',
    resume: 'resume a paused rollout (its step runs a full interval from now)',
    abort: 'stop the rollout without a verdict: all traffic to the champion',
  } as const
  for (const [verb, description] of Object.entries(controls) as [keyof typeof controls, string][]) {
    deploy
      .command(verb)
      .description(description)
      .argument('<name>', 'the deployment')
      .option('--reason <text>', 'why (recorded with the decision)')
      .addHelpText('after', examples(`strata deploy ${verb} delay --reason "on call"`))
      .action(
        ctx.action(async (out, name: string, opts: { reason?: string }) => {
          await using strata = await ctx.openStrata()
          const delivery = await strata.delivery()
          await delivery[verb](name, opts.reason === undefined ? {} : { reason: opts.reason })
          const view = await delivery.status(name)
          out.result(view, () => describeStatus(view))
        }),
      )
  }
}
