/**
 * The steps of the flights training pipeline: a point-in-time training set of the labelled
 * departures before `end` → gradient-boosted trees trained in TypeScript (a tracked run with
 * its ONNX export) → evaluation of that ONNX file in onnxruntime on the last weeks, which
 * training never saw → a registered model version carrying its metrics (alias `champion` for
 * the first version, `challenger` after that).
 */

import type { DatasetCommitValue, StepContext } from 'strata-ml'
import { binaryClassificationMetrics, trainGradientBoostedTrees } from 'strata-ml/training'
import { project } from './project.js'
import { MODEL_INPUTS, positiveRate, readSlice } from './slices.js'

/** The registered model the pipeline trains. */
export const MODEL = 'flight-delay'
const DAY = 86_400_000
/** Time windows before `end`: train 49 days, stop early on 14, evaluate on the last 28. */
export const WINDOWS = { trainDays: 49, validationDays: 14, testDays: 28 }
export const BOOSTING = {
  iterations: 80,
  learningRate: 0.2,
  maxDepth: 6,
  maxBins: 64,
  minSamplesLeaf: 100,
  earlyStoppingRounds: 10,
}
/** Train on every 2nd departure of the training window (by a hash: the same rows every run). */
const TRAIN_EVERY = 2

/** The time boundaries a run uses, from its `end` param (an ISO date, exclusive). */
export function windowsOf(end: string) {
  const e = Date.parse(end)
  if (!Number.isFinite(e)) throw new Error(`param end "${end}" is not a date; use e.g. 2001-04-01`)
  const testFrom = e - WINDOWS.testDays * DAY
  const validationFrom = testFrom - WINDOWS.validationDays * DAY
  return { trainFrom: validationFrom - WINDOWS.trainDays * DAY, validationFrom, testFrom, end: e }
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Output of the training-set step. */
export interface SavedSet {
  id: string
  commitId: string
  path: string
  rows: number
}

/** Builds and saves the training set of `delay_model` over the labelled departures of the flights commit. */
export async function buildTrainingSet(ctx: StepContext, flights: DatasetCommitValue): Promise<SavedSet> {
  const features = await (await project()).features()
  const set = await features.getTrainingSet({
    service: 'delay_model',
    entityRows: `flights@${flights.commit}:labels.parquet`,
  })
  try {
    const saved = await set.save('delay', {
      description: `delay_model features for the labelled departures of flights@${flights.commit.slice(0, 12)}`,
    })
    ctx.log(`${saved.rows} rows saved as training-set:${saved.id}`)
    return { id: saved.id, commitId: saved.commitId, path: saved.path, rows: saved.rows }
  } finally {
    await set.dispose()
  }
}

async function setFile(set: SavedSet): Promise<string> {
  const data = await (await project()).data()
  return data.localFile('training-sets', set.commitId, set.path)
}

/** Output of the train step. */
export interface Trained {
  runId: string
  trees: number
  trainRows: number
  validationLogLoss: number
  trainRate: number
}

/** Trains the trees on the training window and logs them as a tracked run with `model.onnx`. */
export async function train(ctx: StepContext, set: SavedSet): Promise<Trained> {
  const strata = await project()
  const w = windowsOf(String(ctx.params.end))
  const file = await setFile(set)
  const [trainSlice, validation] = await Promise.all([
    readSlice(file, 'train', { from: w.trainFrom, to: w.validationFrom, every: TRAIN_EVERY }),
    readSlice(file, 'validation', { from: w.validationFrom, to: w.testFrom }),
  ])
  if (trainSlice.y.length === 0)
    throw new Error(`no labelled departures in ${iso(w.trainFrom)}…${iso(w.validationFrom)}`)
  const tracking = await strata.tracking()
  const run = await tracking.startRun({
    experiment: MODEL,
    name: `gbdt-until-${String(ctx.params.end)}`,
    tags: { demo: 'flights', 'pipeline.run': ctx.runId },
  })
  try {
    await run.logInput(`training-set:${set.id}`)
    await run.logParams({
      ...BOOSTING,
      features: MODEL_INPUTS.join(','),
      trainFrom: iso(w.trainFrom),
      validationFrom: iso(w.validationFrom),
      testFrom: iso(w.testFrom),
      end: iso(w.end),
      trainRows: trainSlice.y.length,
    })
    const history: Promise<void>[] = []
    let validationLogLoss = Number.NaN
    const model = trainGradientBoostedTrees(trainSlice.x, trainSlice.y, {
      ...BOOSTING,
      featureNames: [...MODEL_INPUTS],
      validation: { x: validation.x, y: validation.y },
      onIteration: (it) => {
        validationLogLoss = it.validationLoss ?? Number.NaN
        history.push(
          run.logMetrics(
            { train_loss: it.trainLoss, validation_loss: validationLogLoss },
            { step: it.iteration },
          ),
        )
        if (it.iteration % 20 === 0)
          ctx.log(`tree ${it.iteration}: validation log loss ${validationLogLoss.toFixed(4)}`)
        return undefined
      },
    })
    await Promise.all(history)
    const onnx = model.toOnnx({ docString: 'P(departure delayed > 15 min) from delay_model features' })
    await run.logArtifact(onnx, 'model.onnx')
    await run.end('FINISHED')
    const lineage = await strata.lineage()
    await lineage.record({
      inputs: [`pipeline-step:${ctx.runId}/${ctx.step}`],
      output: `run:${run.runId}`,
      activity: 'train',
    })
    return {
      runId: run.runId,
      trees: model.ensemble.trees.length,
      trainRows: trainSlice.y.length,
      validationLogLoss,
      trainRate: positiveRate(trainSlice.y),
    }
  } catch (err) {
    await run.end('FAILED').catch(() => {})
    throw err
  }
}

/** Output of the evaluate step: the ONNX model's metrics on the test weeks. */
export interface Evaluation {
  test_auc: number
  test_log_loss: number
  test_accuracy: number
  test_precision: number
  test_recall: number
  baseline_log_loss: number
  test_rows: number
  testFrom: string
  end: string
  /** The test predictions in 10 equal-width probability bins, for the calibration step (Python). */
  reliability: Reliability
}

/** Predictions per probability bin: how many, how many were delayed, and their mean probability. */
export interface Reliability {
  counts: number[]
  positives: number[]
  meanProbability: number[]
}

/** Bins predicted probabilities into 10 equal-width bins with the observed outcomes. */
function reliabilityOf(y: ArrayLike<number>, p: ArrayLike<number>): Reliability {
  const counts = new Array<number>(10).fill(0)
  const positives = new Array<number>(10).fill(0)
  const sums = new Array<number>(10).fill(0)
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(9, Math.floor((p[i] as number) * 10))
    counts[b] = (counts[b] as number) + 1
    positives[b] = (positives[b] as number) + ((y[i] as number) > 0 ? 1 : 0)
    sums[b] = (sums[b] as number) + (p[i] as number)
  }
  return {
    counts,
    positives,
    meanProbability: sums.map((s, b) => (counts[b] === 0 ? 0 : s / (counts[b] as number))),
  }
}

/** Runs the run's `model.onnx` in onnxruntime on the test weeks and logs the metrics to the run. */
export async function evaluate(ctx: StepContext, set: SavedSet, trained: Trained): Promise<Evaluation> {
  const strata = await project()
  const w = windowsOf(String(ctx.params.end))
  const tracking = await strata.tracking()
  const test = await readSlice(await setFile(set), 'test', { from: w.testFrom, to: w.end })
  const chunks: Uint8Array[] = []
  for await (const c of await tracking.runs.openArtifact(trained.runId, 'model.onnx')) chunks.push(c)
  const p = await onnxProbabilities(Buffer.concat(chunks), test.x)
  const m = binaryClassificationMetrics(test.y, p)
  const base = binaryClassificationMetrics(test.y, new Float64Array(test.y.length).fill(trained.trainRate))
  const evaluation: Evaluation = {
    test_auc: m.auc,
    test_log_loss: m.logLoss,
    test_accuracy: m.accuracy,
    test_precision: m.precision,
    test_recall: m.recall,
    baseline_log_loss: base.logLoss,
    test_rows: test.y.length,
    testFrom: iso(w.testFrom),
    end: iso(w.end),
    reliability: reliabilityOf(test.y, p),
  }
  const run = await tracking.resumeRun(trained.runId)
  const { testFrom: _f, end: _e, reliability: _r, ...metrics } = evaluation
  await run.logMetrics(metrics)
  await run.end('FINISHED')
  ctx.log(`AUC ${m.auc.toFixed(4)}, log loss ${m.logLoss.toFixed(4)} on ${test.y.length} departures`)
  return evaluation
}

/** Output of the register step: what the closed loop reads (`{ version, model, metrics }`). */
export interface Registered {
  model: string
  version: number
  alias: 'champion' | 'challenger'
  metrics: Record<string, number>
}

/** Registers the run's ONNX model with its evaluation; the first version becomes `champion`, later ones `challenger`. */
export async function register(
  ctx: StepContext,
  set: SavedSet,
  trained: Trained,
  evaluation: Evaluation,
  calibration: { ece: number },
): Promise<Registered> {
  const strata = await project()
  const registry = await strata.registry()
  const tracking = await strata.tracking()
  const chunks: Uint8Array[] = []
  for await (const c of await tracking.runs.openArtifact(trained.runId, 'model.onnx')) chunks.push(c)
  const metrics = {
    auc: evaluation.test_auc,
    log_loss: evaluation.test_log_loss,
    calibration_ece: calibration.ece,
  }
  const version = await registry.registerVersion(MODEL, {
    onnx: new Uint8Array(Buffer.concat(chunks)),
    runId: trained.runId,
    createModel: true,
    description: `Gradient-boosted trees on delay_model; tested on ${evaluation.testFrom}…${evaluation.end}`,
    metrics,
    tags: { feature_service: 'delay_model', 'pipeline.run': ctx.runId },
  })
  const hasChampion = await registry.getVersionByAlias(MODEL, 'champion').then(
    () => true,
    () => false,
  )
  const alias = hasChampion ? 'challenger' : 'champion'
  await registry.setAlias(MODEL, alias, version.version, {
    reason: `registered by pipeline run ${ctx.runId}`,
  })
  const lineage = await strata.lineage()
  await lineage.record({
    inputs: [`pipeline-step:${ctx.runId}/${ctx.step}`],
    output: `model-version:${MODEL}/${version.version}`,
    activity: 'register',
  })
  // The reference profile monitors compare serving windows with: the training window's rows
  // (1 in 20, by hash), profiled once and stored with the version. The features only: the
  // departure hour is a request value whose mix in a window is the caller's (the demo's replay
  // samples one hour a day), not a property of the data the features drift with.
  const w = windowsOf(String(ctx.params.end))
  const file = (await setFile(set)).replaceAll("'", "''")
  const profiled = MODEL_INPUTS.filter((c) => c !== 'dep_hour')
  const columns = Object.fromEntries(profiled.map((c) => [c, 'numeric' as const]))
  await (await strata.monitoring()).references.compute(
    MODEL,
    version.version,
    {
      kind: 'table',
      relation: `(select ${profiled.join(', ')} from read_parquet('${file}')
        where event_timestamp >= epoch_ms(${w.trainFrom}) and event_timestamp < epoch_ms(${w.validationFrom})
          and hash(origin, destination, event_timestamp) % 20 = 0)`,
    },
    { columns },
  )
  await lineage.record({
    inputs: [`training-set:${set.id}`],
    output: `reference-profile:${MODEL}/${version.version}`,
    activity: 'profile',
  })
  ctx.log(`v${version.version} @${alias}, reference profile of the training window stored`)
  return { model: MODEL, version: version.version, alias, metrics }
}

/** P(delayed) of each row from an ONNX classifier run in onnxruntime-node. */
async function onnxProbabilities(onnx: Uint8Array, x: { rows: number; cols: number; data: Float64Array }) {
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(onnx)
  try {
    const input = new ort.Tensor('float32', Float32Array.from(x.data), [x.rows, x.cols])
    const out = await session.run({ [session.inputNames[0] as string]: input })
    const probabilities = out.probabilities?.data as Float32Array
    const p = new Float64Array(x.rows)
    for (let i = 0; i < x.rows; i++) p[i] = probabilities[i * 2 + 1] as number
    return p
  } finally {
    await session.release()
  }
}
