/**
 * The flights example's FTI pipelines, run by the pipeline engine (`strata pipelines run …`,
 * `npm run demo`):
 *
 *   features: flights@main (a new month committed) → views (feature views recomputed on it)
 *             → materialize (latest values as of `asOf` into the online store)
 *   training: flights@main → training-set → train → evaluate → calibration (Python) → register
 *
 * Steps open the project in `FLIGHTS_PROJECT_DIR` (default: the working directory).
 */
import { commandStep, datasetInput, onCommit, pipeline, step } from 'strata-ml'
import { computeViews, materializeAsOf } from './fti/feature-steps.js'
import { buildTrainingSet, evaluate, register, train } from './fti/training-steps.js'

const flights = datasetInput('flights@main')

const views = step({
  name: 'views',
  inputs: { flights },
  params: [],
  run: (ctx, { flights }) => computeViews(ctx, flights),
})

const materialize = step({
  name: 'materialize',
  inputs: { computed: views },
  params: ['asOf'],
  run: (ctx, { computed }) => materializeAsOf(ctx, computed),
})

/** New data on `flights@main` → feature views recomputed → online store as of `asOf`. */
export const featurePipeline = pipeline({
  name: 'features',
  params: { asOf: '2001-04-01T00:00:00Z' },
  steps: [views, materialize],
  triggers: [onCommit('flights@main')],
})

const trainingSet = step({
  name: 'training-set',
  inputs: { flights },
  params: [],
  run: (ctx, { flights }) => buildTrainingSet(ctx, flights),
})

const trainStep = step({
  name: 'train',
  inputs: { set: trainingSet },
  params: ['end'],
  run: (ctx, { set }) => train(ctx, set),
})

const evaluateStep = step({
  name: 'evaluate',
  inputs: { set: trainingSet, model: trainStep },
  params: ['end'],
  run: (ctx, { set, model }) => evaluate(ctx, set, model),
})

/**
 * Any language: the calibration check is a Python program (standard library only) that reads
 * the evaluation's reliability bins and writes the expected and maximum calibration error;
 * the contract checks its output before `register` reads it.
 */
const calibrationStep = commandStep({
  name: 'calibration',
  inputs: { evaluation: evaluateStep },
  command: ['python3', 'fti/calibration.py', '{inputs.evaluation}', '{outputs}'],
  outputs: { ece: 'number', mce: 'number', bins: 'integer' },
  timeoutMs: 60_000,
})

const registerStep = step({
  name: 'register',
  inputs: { set: trainingSet, model: trainStep, evaluation: evaluateStep, calibration: calibrationStep },
  params: ['end'],
  run: (ctx, { set, model, evaluation, calibration }) => register(ctx, set, model, evaluation, calibration),
})

/** Labelled departures before `end` → training set → trees → evaluation → calibration → registered version. */
export const trainingPipeline = pipeline({
  name: 'training',
  params: { end: '2001-04-01' },
  steps: [trainingSet, trainStep, evaluateStep, calibrationStep, registerStep],
})
