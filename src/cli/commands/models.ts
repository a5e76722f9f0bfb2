import { readFileSync } from 'node:fs'
import { basename, extname } from 'node:path'
import type { Command } from 'commander'
import { errorMessage, StrataError } from '../../core/errors.js'
import {
  type AliasEvent,
  type ModelRegistry,
  type ModelVersion,
  parseVersion,
  type RegisteredModel,
  type TensorSpec,
} from '../../registry/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { collect } from '../options.js'
import { formatTable, formatTime } from '../output.js'

function pairs(entries: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=')
    if (eq <= 0)
      throw new StrataError('INVALID_ARGUMENT', `${what} "${entry}" is invalid; expected key=value`)
    out[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return out
}

function numbers(entries: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(pairs(entries, '--metric'))) {
    const n = Number(v)
    if (v.trim() === '' || !Number.isFinite(n)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `--metric "${k}=${v}" is invalid; expected a number after "="`,
      )
    }
    out[k] = n
  }
  return out
}

const shape = (t: TensorSpec) => (t.shape === null ? '?' : `[${t.shape.map((d) => d ?? '?').join(', ')}]`)
const aliasList = (aliases: Record<string, number>) =>
  Object.entries(aliases)
    .map(([a, v]) => `${a}→${v}`)
    .join(', ')

function describeVersion(v: ModelVersion): string {
  const lines = [
    `${v.name} version ${v.version}  (${v.flavor}, ${v.status}${v.statusMessage ? `: ${v.statusMessage}` : ''})`,
    `  source       ${v.source}`,
    `  created      ${formatTime(v.createdAt)}${v.createdBy ? ` by ${v.createdBy}` : ''}`,
  ]
  if (v.runId) lines.push(`  run          ${v.runId}${v.runLink ? `  ${v.runLink}` : ''}`)
  if (v.aliases.length > 0) lines.push(`  aliases      ${v.aliases.join(', ')}`)
  if (v.description) lines.push(`  description  ${v.description}`)
  for (const [k, val] of Object.entries(v.metrics)) lines.push(`  metric       ${k} = ${val}`)
  for (const [k, val] of Object.entries(v.tags)) lines.push(`  tag          ${k} = ${val}`)
  for (const t of v.signature?.inputs ?? []) lines.push(`  input        ${t.name}  ${t.type} ${shape(t)}`)
  for (const t of v.signature?.outputs ?? []) lines.push(`  output       ${t.name}  ${t.type} ${shape(t)}`)
  for (const f of v.files)
    lines.push(`  file         ${f.path}  ${f.size} bytes  sha256:${f.sha256.slice(0, 12)}`)
  return lines.join('\n')
}

function describeModel(m: RegisteredModel, versions: ModelVersion[]): string {
  const head = [
    `${m.name}${m.description ? `  — ${m.description}` : ''}`,
    `  created ${formatTime(m.createdAt)}${m.createdBy ? ` by ${m.createdBy}` : ''}, updated ${formatTime(m.updatedAt)}`,
  ]
  if (Object.keys(m.aliases).length > 0) head.push(`  aliases ${aliasList(m.aliases)}`)
  for (const [k, v] of Object.entries(m.tags)) head.push(`  tag ${k} = ${v}`)
  if (versions.length === 0) return [...head, '  no versions'].join('\n')
  const table = formatTable(
    ['version', 'status', 'flavor', 'run', 'created', 'aliases'],
    versions.map((v) => [
      v.version,
      v.status,
      v.flavor,
      v.runId ?? '',
      formatTime(v.createdAt),
      v.aliases.join(', '),
    ]),
  )
  return [...head, '', table].join('\n')
}

const move = (e: AliasEvent) =>
  e.toVersion === null ? `removed (was ${e.fromVersion})` : `${e.fromVersion ?? '∅'} → ${e.toVersion}`

async function openRegistry(ctx: CliContext) {
  const strata = await ctx.openStrata()
  return { strata, registry: await strata.registry() }
}

/** `strata models list|show|register|alias|history`: the model registry from the command line. */
export function registerModels(program: Command, ctx: CliContext): void {
  const models = program.command('models').description('register models, move aliases, inspect versions')

  models
    .command('list')
    .addHelpText('after', examples('strata models list', 'strata models list -f "name LIKE \'driver%\'"'))
    .description("list registered models (optionally filtered with MLflow's registry search syntax)")
    .option('-f, --filter <filter>', `e.g. "name LIKE 'flight%' AND tags.team = 'ml'"`)
    .option('-n, --max <n>', 'maximum number of models', '100')
    .action(
      ctx.action(async (out, opts: { filter?: string; max: string }) => {
        const { strata, registry } = await openRegistry(ctx)
        await using _ = strata
        const page = await registry.searchModels({
          ...(opts.filter === undefined ? {} : { filter: opts.filter }),
          maxResults: Number(opts.max),
        })
        out.result({ models: page.items, nextPageToken: page.nextPageToken }, () =>
          page.items.length === 0
            ? 'no registered models'
            : formatTable(
                ['name', 'latest', 'aliases', 'updated', 'description'],
                page.items.map((m) => [
                  m.name,
                  m.latestVersion ?? '',
                  aliasList(m.aliases),
                  formatTime(m.updatedAt),
                  m.description,
                ]),
              ),
        )
      }),
    )

  models
    .command('show')
    .addHelpText(
      'after',
      examples('strata models show driver-churn', 'strata models show driver-churn@champion'),
    )
    .description('show a model and its versions, or one version (name/3, name@alias)')
    .argument('<ref>', 'model name, name/<version> or name@<alias>')
    .action(
      ctx.action(async (out, ref: string) => {
        const { strata, registry } = await openRegistry(ctx)
        await using _ = strata
        if (ref.includes('@') || ref.includes('/')) {
          const v = await registry.resolve(ref)
          out.result(v, () => describeVersion(v))
          return
        }
        const model = await registry.getModel(ref)
        const versions = await registry.listVersions(ref)
        out.result({ ...model, versions }, () => describeModel(model, versions))
      }),
    )

  models
    .command('register')
    .addHelpText(
      'after',
      examples('strata models register driver-churn model.onnx --run 3f2a9c1b -a challenger'),
    )
    .description('register a model file (.onnx, or a js model file) as a new version')
    .argument('<name>', 'registered model name (created when new)')
    .argument('<file>', 'model file, e.g. model.onnx')
    .option(
      '--run <id>',
      'the tracked run that produced the model, or a unique prefix of its id (recorded in lineage)',
    )
    .option('-d, --description <text>', 'version description')
    .option('--flavor <flavor>', 'onnx or js (default: by the file extension)')
    .option('-t, --tag <key=value>', 'version tag (repeatable)', collect)
    .option('--metric <key=value>', 'version metric (repeatable)', collect)
    .option('-a, --alias <alias>', 'also point this alias at the new version')
    .action(
      ctx.action(
        async (
          out,
          name: string,
          file: string,
          opts: {
            run?: string
            description?: string
            flavor?: string
            tag?: string[]
            metric?: string[]
            alias?: string
          },
        ) => {
          const path = ctx.resolvePath(file)
          const flavor = opts.flavor ?? (extname(path).toLowerCase() === '.onnx' ? 'onnx' : 'js')
          if (flavor !== 'onnx' && flavor !== 'js') {
            throw new StrataError('INVALID_ARGUMENT', `--flavor "${flavor}" is invalid; expected onnx or js`)
          }
          let bytes: Uint8Array
          try {
            bytes = readFileSync(path)
          } catch (err) {
            throw new StrataError('NOT_FOUND', `cannot read model file ${path}: ${errorMessage(err)}`)
          }
          const { strata, registry } = await openRegistry(ctx)
          await using _ = strata
          // a run id or a unique prefix of one, as every runs command takes
          const runs = (await strata.tracking()).runs
          const runId = opts.run === undefined ? undefined : await runs.resolveId(opts.run)
          if (runId !== undefined) await runs.get(runId) // NOT_FOUND for an id no run has
          const v = await registry.registerVersion(name, {
            ...(flavor === 'onnx' ? { onnx: bytes } : { files: [{ path: basename(path), bytes }] }),
            source: `file:${path}`,
            ...(runId === undefined ? {} : { runId }),
            ...(opts.description === undefined ? {} : { description: opts.description }),
            tags: pairs(opts.tag, '--tag'),
            metrics: numbers(opts.metric),
          })
          const registered = opts.alias === undefined ? v : await withAlias(registry, v, opts.alias)
          out.result(registered, () => `registered ${describeVersion(registered)}`)
        },
      ),
    )

  models
    .command('alias')
    .addHelpText(
      'after',
      examples(
        'strata models alias driver-churn champion 2 -r "better AUC"',
        'strata models alias driver-churn challenger --delete',
      ),
    )
    .description('point an alias (e.g. champion) at a version, or remove it with --delete')
    .argument('<name>', 'registered model name')
    .argument('<alias>', 'alias name, e.g. champion or challenger')
    .argument('[version]', 'version number to point at')
    .option('--delete', 'remove the alias instead')
    .option('-r, --reason <text>', 'why, recorded in the alias history')
    .action(
      ctx.action(
        async (
          out,
          name: string,
          alias: string,
          version: string | undefined,
          opts: { delete?: boolean; reason?: string },
        ) => {
          if ((version === undefined) === (opts.delete !== true)) {
            throw new StrataError(
              'INVALID_ARGUMENT',
              'give either a version to point the alias at, or --delete',
            )
          }
          const { strata, registry } = await openRegistry(ctx)
          await using _ = strata
          const reason = opts.reason === undefined ? {} : { reason: opts.reason }
          if (opts.delete === true) {
            const event = await registry.deleteAlias(name, alias, reason)
            out.result(
              { changed: true, event },
              () => `${name}@${alias} removed (was version ${event.fromVersion})`,
            )
            return
          }
          const event = await registry.setAlias(name, alias, parseVersion(version ?? ''), reason)
          out.result({ changed: event !== null, event }, () =>
            event === null
              ? `${name}@${alias} already points at version ${version}`
              : `${name}@${alias} → version ${event.toVersion}${event.fromVersion === null ? '' : ` (was ${event.fromVersion})`}`,
          )
        },
      ),
    )

  models
    .command('history')
    .addHelpText('after', examples('strata models history driver-churn'))
    .description('every alias move of a model: when, which alias, from → to, who, why')
    .argument('<name>', 'registered model name')
    .option('-a, --alias <alias>', 'only this alias')
    .action(
      ctx.action(async (out, name: string, opts: { alias?: string }) => {
        const { strata, registry } = await openRegistry(ctx)
        await using _ = strata
        const events = await registry.aliasHistory(
          name,
          opts.alias === undefined ? {} : { alias: opts.alias },
        )
        out.result({ name, events }, () =>
          events.length === 0
            ? `no alias moves for ${name}${opts.alias ? `@${opts.alias}` : ''}`
            : formatTable(
                ['at', 'alias', 'move', 'actor', 'reason'],
                events.map((e) => [formatTime(e.at), e.alias, move(e), e.actor ?? '', e.reason ?? '']),
              ),
        )
      }),
    )
}

async function withAlias(registry: ModelRegistry, v: ModelVersion, alias: string): Promise<ModelVersion> {
  await registry.setAlias(v.name, alias, v.version)
  return registry.getVersion(v.name, v.version)
}
