import { StrataError } from '../core/errors.js'
import type { CommandSpec } from './command-spec.js'
import type { MapSpec } from './map-source.js'

/** A JSON value: what steps take as params and pass between each other. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** The pipeline parameters a step sees (`ctx.params`). */
export type PipelineParams = Record<string, JsonValue>

/** What a step's `run` receives beside its inputs. */
export interface StepContext {
  /** The run this step belongs to. */
  readonly runId: string
  /** The step's name. */
  readonly step: string
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number
  /** The pipeline's params of this run (defaults merged with the run's values). */
  readonly params: PipelineParams
  /** Appends a line to the step's log. */
  log(line: string): void
  /**
   * Set for one element of a mapped step ({@link mapStep}): its position in the mapped list
   * and its key (the index, or the datum's path).
   */
  readonly element?: { readonly index: number; readonly key: string }
}

/** Something a step can read: another step's output or a dataset ref resolved at plan time. */
export type StepInput<T> = StepRef<T> | DatasetRefInput

/** A reference to the output of a step, carrying its type. */
export interface StepRef<T> {
  readonly kind: 'step'
  readonly name: string
  /** Phantom: the output type, for inference only (never set). */
  readonly __output?: T
}

/** The value a {@link datasetInput} gives the step: the commit the ref resolved to when the run was planned. */
export interface DatasetCommitValue {
  dataset: string
  ref: string
  commit: string
}

/** A dataset ref (`flights@main`) resolved to a commit id when a run is planned. */
export interface DatasetRefInput {
  readonly kind: 'dataset'
  readonly dataset: string
  readonly ref: string
  readonly __output?: DatasetCommitValue
}

/** The value type an input delivers. */
export type InputValue<I> =
  I extends StepRef<infer T> ? T : I extends DatasetRefInput ? DatasetCommitValue : never

/** The values of a step's named inputs. */
export type InputValues<In extends Record<string, StepInput<unknown>>> = {
  [K in keyof In]: InputValue<In[K]>
}

/** What {@link step} takes. */
export interface StepOptions<Name extends string, In extends Record<string, StepInput<unknown>>, Out> {
  /** Unique within its pipeline: letters, digits, `-` and `_`. */
  name: Name
  /** Named inputs: other steps (their output is passed) or dataset refs. */
  inputs?: In
  /**
   * The params this step reads, for its cache key (default: every param of the pipeline, so a
   * change of any param re-runs it).
   */
  params?: readonly string[]
  /** Bumped by hand to invalidate the cache when something the code hash cannot see changed. */
  version?: string
  /** `false`: always run, never reuse a cached output. Default `true`. */
  cache?: boolean
  /** Further attempts after a failure (default 0); a `NonRetryableError` stops them. */
  retries?: number
  /** Delay before the first retry, doubled for each next one (default 100 ms). */
  retryDelayMs?: number
  /**
   * How long one attempt may take, in ms (default: no bound). An attempt that takes longer is
   * stopped — its worker thread terminated, its command's process group killed — and fails
   * with `USER_CODE` (retried like any other failure).
   */
  timeoutMs?: number
  /**
   * Run on a worker thread (default `true`): a step that blocks the event loop, throws from a
   * callback or calls `process.exit` cannot take the engine down. `false` runs it in the
   * process that executes the job (no thread hop: for tiny steps). Steps of pipelines not
   * loaded from a module (`catalogOf([...])` in tests) always run in the process.
   */
  isolate?: boolean
  /**
   * At most this many attempts of this step under way at once in one engine, across its runs
   * (default: no limit beyond the engine's and the executor's). For a step holding a scarce
   * resource (a GPU, a rate-limited API).
   */
  concurrency?: number
  /** The step's work. Its result must be JSON (a plain object, array, string, number, boolean or null). */
  run(ctx: StepContext, inputs: InputValues<In>): Out | Promise<Out>
}

/** A declared step: a typed reference to its output plus its definition. */
export interface Step<Name extends string = string, Out = unknown> extends StepRef<Out> {
  readonly name: Name
  readonly inputs: Readonly<Record<string, StepInput<unknown>>>
  readonly params: readonly string[] | undefined
  readonly version: string
  readonly cache: boolean
  readonly retries: number
  readonly retryDelayMs: number
  readonly timeoutMs: number | undefined
  readonly isolate: boolean
  readonly concurrency: number | undefined
  /** Set for a command step ({@link commandStep}): what to execute instead of `run`. */
  readonly command?: CommandSpec
  /** Set for a mapped step ({@link mapStep}): what it maps over; each element is its own step run. */
  readonly map?: MapSpec
  /** The step's work; a mapped step's element gets its item as `item`. */
  readonly run: (ctx: StepContext, inputs: Record<string, unknown>, item?: unknown) => unknown
}

/**
 * Declares a step. Its inputs' types flow from the steps it names, so wiring an output to a
 * step that expects something else is a compile error.
 *
 * @example
 * const load = step({ name: 'load', run: () => ({ rows: 3 }) })
 * const double = step({ name: 'double', inputs: { data: load }, run: (_ctx, { data }) => data.rows * 2 })
 */
export function step<
  Name extends string,
  Out,
  In extends Record<string, StepInput<unknown>> = Record<never, never>,
>(options: StepOptions<Name, In, Out>): Step<Name, Awaited<Out>> {
  return {
    kind: 'step',
    name: options.name,
    inputs: options.inputs ?? {},
    params: options.params,
    version: options.version ?? '',
    cache: options.cache ?? true,
    retries: options.retries ?? 0,
    retryDelayMs: options.retryDelayMs ?? 100,
    timeoutMs: checkTimeout(options.name, options.timeoutMs),
    isolate: options.isolate ?? true,
    concurrency: checkConcurrency(options.name, options.concurrency),
    run: options.run as (ctx: StepContext, inputs: Record<string, unknown>) => unknown,
  }
}

/**
 * A dataset ref as a step input: `datasetInput('flights@main')` or `datasetInput('flights', 'main')`.
 * The run resolves it to a commit id when it is planned; the commit id is part of the cache key.
 */
export function datasetInput(refOrDataset: string, ref?: string): DatasetRefInput {
  if (ref !== undefined) return { kind: 'dataset', dataset: refOrDataset, ref }
  const at = refOrDataset.lastIndexOf('@')
  if (at <= 0) return { kind: 'dataset', dataset: refOrDataset, ref: 'main' }
  return { kind: 'dataset', dataset: refOrDataset.slice(0, at), ref: refOrDataset.slice(at + 1) }
}

/** A step's `timeoutMs`, checked: a positive number of milliseconds or undefined. */
export function checkTimeout(step: string, timeoutMs: number | undefined): number | undefined {
  if (timeoutMs === undefined) return undefined
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `step "${step}": timeoutMs ${timeoutMs} is invalid; give a positive number of milliseconds`,
    )
  }
  return timeoutMs
}

/** A step's `concurrency`, checked: a positive integer or undefined. */
export function checkConcurrency(step: string, concurrency: number | undefined): number | undefined {
  if (concurrency === undefined) return undefined
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `step "${step}": concurrency ${concurrency} is invalid; give a positive integer`,
    )
  }
  return concurrency
}
