import { registryRef } from './model-ref.js'
import type { ModelServer } from './model-server.js'
import type { FeatureViewUse } from './payload-log/index.js'

/** Options of `strata.predictor`. */
export interface PredictorOptions {
  /** The feature service to read (default the version's `feature_service` tag). */
  features?: string
  /** The name to serve it under in the project's model server (default the model's name). */
  as?: string
}

/** One prediction of {@link Predictor.predict}. */
export interface Prediction<O = Record<string, unknown>> {
  /** The payload log's id of this prediction (join delayed labels on it). */
  predictionId: string
  modelName: string
  modelVersion: string
  /** Each model output's value for the row (the element itself when a row holds one). */
  outputs: O
  /** The feature view versions the inputs were read from. */
  featureViews: FeatureViewUse[]
}

/**
 * A model answering entity rows in-process: the entity keys (and request-time values) are the
 * input; online features are read and assembled into the model's inputs; every prediction is
 * logged with its id. Built by `strata.predictor('flight-delay@champion')`.
 *
 * @example
 * const p = await strata.predictor('flight-delay@champion')
 * const { outputs, predictionId } = await p.predict({ origin: 'ORD', route: 'ORD-LGA', dep_hour: 17 })
 */
export class Predictor<O = Record<string, unknown>> {
  /** Built by `strata.predictor`; `name` is the deployment in `server`. */
  constructor(
    private readonly server: ModelServer,
    readonly name: string,
  ) {}

  /** Predicts for one entity row. */
  async predict(row: Readonly<Record<string, unknown>>): Promise<Prediction<O>> {
    const [only] = await this.predictMany([row])
    return only as Prediction<O>
  }

  /** Predicts for entity rows in one model call; one prediction per row, in order. */
  async predictMany(rows: readonly Readonly<Record<string, unknown>>[]): Promise<Prediction<O>[]> {
    const result = await this.server.predict(this.name, rows)
    return result.predictions.map((p) => ({
      predictionId: p.predictionId,
      modelName: result.modelName,
      modelVersion: result.modelVersion,
      outputs: p.outputs as O,
      featureViews: result.featureViews,
    }))
  }
}

/**
 * The predictor of `ref` on `server`: deploys it (loading and warming the version) unless a
 * deployment of that name already serves the same reference.
 */
export async function openPredictor<O = Record<string, unknown>>(
  server: ModelServer,
  ref: string,
  options: PredictorOptions = {},
): Promise<Predictor<O>> {
  const bare = registryRef(ref)
  const existing = server
    .list()
    .find((d) => d.ref === bare && (options.as === undefined || d.name === options.as))
  if (existing !== undefined) return new Predictor<O>(server, existing.name)
  const served = await server.deploy(bare, {
    ...(options.as === undefined ? {} : { as: options.as }),
    ...(options.features === undefined ? {} : { features: options.features }),
  })
  return new Predictor<O>(server, options.as ?? served.name)
}
