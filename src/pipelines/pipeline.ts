import { dirname } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { PipelineParams, Step } from './step.js'
import type { PipelineTrigger } from './triggers.js'

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/

/** What {@link pipeline} takes. */
export interface PipelineOptions<P extends PipelineParams> {
  /** Unique within the project: letters, digits, `-` and `_`. */
  name: string
  /** Params with their defaults; a run may override them but not add others. */
  params?: P
  /** The steps, in any order (the order of execution comes from their inputs). */
  steps: readonly Step<string, unknown>[]
  /** Shown by `strata pipelines list`. */
  description?: string
  /** What runs it without anyone asking ({@link onCommit}, {@link onCron}), fired by `strata scheduler`. */
  triggers?: readonly PipelineTrigger[]
}

/** A validated pipeline: its steps in a topological order. */
export interface Pipeline<P extends PipelineParams = PipelineParams> {
  readonly kind: 'pipeline'
  readonly name: string
  readonly description: string | undefined
  readonly params: P
  /** Steps sorted so that every step comes after the steps it reads. */
  readonly steps: readonly Step<string, unknown>[]
  /** The names of the steps each step reads. */
  readonly upstream: ReadonlyMap<string, readonly string[]>
  readonly triggers: readonly PipelineTrigger[]
  /**
   * sha256 of the module the pipeline was loaded from and every local module it imports (set by
   * `loadPipelines`); part of each step's code hash, so an edit there reruns the steps.
   */
  readonly sourceHash?: string
  /**
   * The absolute path of the module it was loaded from (set by `loadPipelines`): worker threads
   * load it to run its steps, and command steps run in its directory.
   */
  readonly module?: string
}

/** A step of a pipeline by name (looked up through an index kept per pipeline), or undefined. */
export function stepOf(p: Pipeline, name: string): Step<string, unknown> | undefined {
  let byName = stepIndexes.get(p)
  if (byName === undefined) {
    byName = new Map(p.steps.map((s) => [s.name, s]))
    stepIndexes.set(p, byName)
  }
  return byName.get(name)
}

const stepIndexes = new WeakMap<Pipeline, ReadonlyMap<string, Step<string, unknown>>>()

/** The directory a pipeline's command steps resolve relative paths against: its module's, else the working directory. */
export function pipelineRoot(p: Pipeline): string {
  return p.module === undefined ? process.cwd() : dirname(p.module)
}

/**
 * Declares a pipeline: a DAG of steps. The graph is checked here, before anything runs: a
 * duplicate step name, an input naming a step that is not in the pipeline, a cycle and a
 * step declaring an unknown param fail with `INVALID_ARGUMENT` naming the steps.
 *
 * @example
 * export const train = pipeline({ name: 'train', params: { lr: 0.1 }, steps: [load, fit] })
 */
export function pipeline<P extends PipelineParams>(options: PipelineOptions<P>): Pipeline<P> {
  const name = options.name
  if (!NAME.test(name)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `pipeline name "${name}" is invalid; use letters, digits, "-" and "_", starting with a letter`,
    )
  }
  const params = (options.params ?? {}) as P
  const byName = new Map<string, Step<string, unknown>>()
  for (const s of options.steps) {
    if (!NAME.test(s.name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pipeline "${name}": step name "${s.name}" is invalid; use letters, digits, "-" and "_", starting with a letter`,
      )
    }
    const seen = byName.get(s.name)
    if (seen !== undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pipeline "${name}": two steps are named "${s.name}"; step names must be unique`,
        { details: { pipeline: name, step: s.name } },
      )
    }
    byName.set(s.name, s)
  }
  const upstream = new Map<string, string[]>()
  for (const s of options.steps) {
    const deps: string[] = []
    for (const [inputName, input] of Object.entries(s.inputs)) {
      if (input.kind !== 'step') continue
      const target = byName.get(input.name)
      if (target === undefined) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `pipeline "${name}": step "${s.name}" input "${inputName}" reads step "${input.name}", which is not in the pipeline; steps are ${[...byName.keys()].join(', ')}`,
          { details: { pipeline: name, step: s.name, input: inputName, missing: input.name } },
        )
      }
      if (!deps.includes(input.name)) deps.push(input.name)
    }
    checkMapSource(name, s, byName, params, deps)
    for (const p of s.params ?? []) {
      if (!(p in params)) {
        const known = Object.keys(params)
        throw new StrataError(
          'INVALID_ARGUMENT',
          `pipeline "${name}": step "${s.name}" declares param "${p}", which the pipeline does not have; params are ${known.length === 0 ? '(none)' : known.join(', ')}`,
        )
      }
    }
    upstream.set(s.name, deps)
  }
  const steps = topologicalOrder(name, options.steps, upstream)
  const triggers = options.triggers ?? []
  const ids = new Set<string>()
  for (const t of triggers) {
    if (ids.has(t.id))
      throw new StrataError('INVALID_ARGUMENT', `pipeline "${name}" declares trigger ${t.id} twice`)
    ids.add(t.id)
  }
  return { kind: 'pipeline', name, description: options.description, params, steps, upstream, triggers }
}

/** A mapped step's source, checked: its step exists (and becomes an edge), its param is a list. */
function checkMapSource(
  name: string,
  s: Step<string, unknown>,
  byName: ReadonlyMap<string, Step<string, unknown>>,
  params: PipelineParams,
  deps: string[],
): void {
  const source = s.map?.source
  if (source === undefined) return
  if (source.kind === 'step') {
    if (!byName.has(source.name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pipeline "${name}": step "${s.name}" maps over step "${source.name}", which is not in the pipeline; steps are ${[...byName.keys()].join(', ')}`,
      )
    }
    if (!deps.includes(source.name)) deps.push(source.name)
  } else if (source.kind === 'param-list') {
    if (!Array.isArray(params[source.param])) {
      const lists = Object.keys(params).filter((k) => Array.isArray(params[k]))
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pipeline "${name}": step "${s.name}" maps over param "${source.param}", which is ${source.param in params ? 'not a list' : 'not declared'}; list params are ${lists.length === 0 ? '(none)' : lists.join(', ')}`,
      )
    }
  }
  if (s.map?.output !== undefined && source.kind !== 'datums') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `pipeline "${name}": step "${s.name}" writes a dataset output, which needs a step mapped over datums`,
    )
  }
}

/** Kahn's algorithm, keeping the declared order among ready steps; a cycle names its steps. */
function topologicalOrder(
  pipelineName: string,
  steps: readonly Step<string, unknown>[],
  upstream: ReadonlyMap<string, readonly string[]>,
): Step<string, unknown>[] {
  const remaining = new Map(steps.map((s) => [s.name, new Set(upstream.get(s.name))]))
  const order: Step<string, unknown>[] = []
  while (remaining.size > 0) {
    const ready = steps.filter((s) => remaining.get(s.name)?.size === 0)
    if (ready.length === 0) {
      const cycle = findCycle(remaining)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pipeline "${pipelineName}" has a cycle: ${cycle.join(' → ')}; a step cannot read its own output, directly or through others`,
        { details: { pipeline: pipelineName, cycle } },
      )
    }
    for (const s of ready) {
      order.push(s)
      remaining.delete(s.name)
      for (const deps of remaining.values()) deps.delete(s.name)
    }
  }
  return order
}

/** One cycle among the steps left when no step is ready (each has an unfinished input). */
function findCycle(remaining: Map<string, Set<string>>): string[] {
  const start = remaining.keys().next().value as string
  const path: string[] = []
  let at = start
  while (!path.includes(at)) {
    path.push(at)
    at = remaining.get(at)?.values().next().value as string
  }
  return [...path.slice(path.indexOf(at)), at]
}

/** True when `value` is a pipeline made by {@link pipeline} (used when loading a project's module). */
export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'pipeline'
}
