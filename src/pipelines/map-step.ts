import type { MapItemOf, MapOutputSpec, MapSource, MapSpec } from './map-source.js'
import {
  checkConcurrency,
  checkTimeout,
  type InputValues,
  type Step,
  type StepContext,
  type StepInput,
  type StepOptions,
} from './step.js'

/** What {@link mapStep} takes: a step's options, what it maps over, and a `run` per item. */
export interface MapStepOptions<
  Name extends string,
  Over extends MapSource,
  In extends Record<string, StepInput<unknown>>,
  Out,
> extends Omit<StepOptions<Name, In, Out>, 'run'> {
  /**
   * What to map over: an upstream step whose output is an array (`over: grid`), a list param
   * (`over: overParam('grid')`) or the datums of a dataset commit (`over: datums('images@main', '/*')`).
   */
  over: Over
  /**
   * For a step over datums: write each element's output as a file of a dataset commit
   * ({@link datasetOutput}); a removed datum's file is deleted.
   */
  output?: MapOutputSpec
  /** The work for one item; every element is its own step run (own state, attempts, log, cache key). */
  run(ctx: StepContext, item: MapItemOf<Over>, inputs: InputValues<In>): Out | Promise<Out>
}

/**
 * Declares a mapped step (fan-out): `run` is called once per item of `over`, each call its own
 * step run with its own cache key (the item's content, never its index or path), attempts and
 * log. Its output, as other steps read it (fan-in), is the array of the elements' outputs in the
 * items' order (datums sorted by path), so a step reading it gets `Out[]`.
 *
 * @example
 * const train = mapStep({ name: 'train', over: overParam<number>('lrs'), run: (_c, lr) => ({ lr, loss: 1 / lr }) })
 * const best = step({ name: 'best', inputs: { all: train }, run: (_c, { all }) => all.sort((a, b) => a.loss - b.loss)[0] })
 */
export function mapStep<
  Name extends string,
  Over extends MapSource,
  Out,
  In extends Record<string, StepInput<unknown>> = Record<never, never>,
>(options: MapStepOptions<Name, Over, In, Out>): Step<Name, Awaited<Out>[]> {
  const over = options.over as MapSource
  const source: MapSpec['source'] =
    over.kind === 'step'
      ? { kind: 'step', name: over.name }
      : over.kind === 'param-list'
        ? { kind: 'param-list', param: over.param }
        : { kind: 'datums', dataset: over.dataset, ref: over.ref, glob: over.glob }
  const run = options.run as (ctx: StepContext, item: unknown, inputs: Record<string, unknown>) => unknown
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
    map: options.output === undefined ? { source } : { source, output: options.output },
    // The user's function is kept whole (its source is part of the code hash).
    run: Object.assign(
      (ctx: StepContext, inputs: Record<string, unknown>, item?: unknown) => run(ctx, item, inputs),
      {
        toString: () => options.run.toString(),
      },
    ),
  }
}
