/**
 * The files `strata init` scaffolds besides `strata.config.ts`: a TypeScript project (package
 * manifest, tsconfig), feature definitions over a generated sample dataset, and a training
 * script — a working project to change into one's own.
 */

/** A file of the scaffold: its path relative to the project root and its text. */
export interface ScaffoldFile {
  path: string
  text: string
}

/** The project's `package.json`: ESM, the Strata dependency, scripts for the everyday steps. */
export function packageJsonTemplate(name: string, version: string): string {
  const manifest = {
    name:
      name
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[._-]+/, '') || 'strata-project',
    private: true,
    type: 'module',
    scripts: { train: 'strata run train.ts' },
    dependencies: { 'strata-ml': `^${version}` },
  }
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/** Editor and `tsc --noEmit` settings; the files run through `strata run`, which compiles them. */
export const TSCONFIG_TEMPLATE = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['*.ts'],
  },
  null,
  2,
)}\n`

/** Feature definitions over the sample dataset `drivers`. */
export const FEATURES_TEMPLATE = `/**
 * Feature definitions: one entity, one feature view over the versioned dataset "drivers", and
 * the feature service the model trains and serves on. Change them, then \`strata features plan\`
 * and \`strata apply\`.
 */
import { datasetSource, entity, featureService, featureView } from 'strata-ml'

export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int', description: 'A driver' })

export const driverStats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source: datasetSource('drivers@main:drivers.csv', { timestamp: 'event_timestamp' }),
  ttl: '30d',
  features: { trips: 'int', avg_rating: 'float', cancelled_share: 'float' },
  description: 'Daily trips, rating and share of cancelled trips per driver',
})

export const churnModel = featureService({ name: 'churn_model', features: [driverStats] })
`

/** Trains a model on the feature service, tracks the run and registers the model. */
export const TRAIN_TEMPLATE = `/**
 * Trains a churn model: a point-in-time training set from the labels in data/labels.csv, a
 * gradient-boosted tree model in TypeScript, a tracked run with its metrics, and the ONNX model
 * registered as "driver-churn" with the alias "champion". Run it with \`strata run train.ts\`.
 */
import { readFileSync } from 'node:fs'
import { openStrata } from 'strata-ml'
import { binaryClassificationMetrics, trainGradientBoostedTrees } from 'strata-ml/training'

await using strata = await openStrata()
const features = await strata.features()

// Labels: which driver churned, known at which time. Timestamps are UTC.
const labels = readFileSync('data/labels.csv', 'utf8')
  .trim()
  .split('\\n')
  .slice(1)
  .map((line) => {
    const [driverId, at, churned] = line.split(',')
    return { driver_id: Number(driverId), event_timestamp: new Date(String(at)), churned: Number(churned) }
  })
const set = await features.getTrainingSet({ service: 'churn_model', entityRows: labels })
const saved = await set.save('churn-labels', { description: 'churn_model features for every label' })

// The last 15 days are the test slice: the model is judged on a time it never saw.
const testFrom = Math.max(...labels.map((l) => l.event_timestamp.getTime())) - 15 * 86_400_000
const slices = { train: { x: [] as number[], y: [] as number[] }, test: { x: [] as number[], y: [] as number[] } }
for await (const batch of set.batches()) {
  for (const row of batch) {
    const slice = new Date(row.event_timestamp as Date).getTime() < testFrom ? slices.train : slices.test
    for (const name of set.features) slice.x.push(row[name] === null ? Number.NaN : Number(row[name]))
    slice.y.push(Number(row.churned))
  }
}
await set.dispose()
const matrix = (s: { x: number[]; y: number[] }) => ({ rows: s.y.length, cols: set.features.length, data: Float64Array.from(s.x) })

const tracking = await strata.tracking()
const run = await tracking.startRun({ experiment: 'churn', name: 'gbdt' })
const params = { iterations: 60, learningRate: 0.1, maxDepth: 3, minSamplesLeaf: 20 }
await run.logInput(\`training-set:\${saved.id}\`)
await run.logParams({ ...params, features: set.features.join(',') })
const model = trainGradientBoostedTrees(matrix(slices.train), Float64Array.from(slices.train.y), {
  ...params,
  featureNames: [...set.features],
})
const test = binaryClassificationMetrics(Float64Array.from(slices.test.y), model.predictProba(matrix(slices.test)))
await run.logMetrics({ test_auc: test.auc, test_log_loss: test.logLoss, test_accuracy: test.accuracy })

const onnx = model.toOnnx({ docString: 'P(driver churns) from churn_model features' })
await run.logArtifact(onnx, 'model.onnx')

const registry = await strata.registry()
const version = await registry.registerVersion('driver-churn', {
  onnx,
  runId: run.runId,
  createModel: true,
  metrics: { auc: test.auc },
})
await registry.setAlias('driver-churn', 'champion', version.version, { reason: 'first model' })
await run.end('FINISHED')
console.log(
  \`run \${run.runId}: \${slices.train.y.length} training rows, test AUC \${test.auc.toFixed(3)}; driver-churn v\${version.version} is @champion\`,
)
`

/** Days of sample data, ending today (UTC), so the latest values are inside the views' ttl. */
const SAMPLE_DAYS = 60
const SAMPLE_DRIVERS = 40

/**
 * The sample dataset: daily statistics of {@link SAMPLE_DRIVERS} drivers over the last
 * {@link SAMPLE_DAYS} days (`data/drivers.csv`), and churn labels at noon of half of the
 * driver-days after the first ten (`data/labels.csv`) — churn grows with the cancelled share
 * and falls with the rating, so a model has something to learn. Deterministic for a given `now`.
 */
export function sampleData(now: Date): ScaffoldFile[] {
  let seed = 20_011_231
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const drivers = Array.from({ length: SAMPLE_DRIVERS }, () => ({
    rating: 3.6 + random() * 1.4,
    cancelled: random() * 0.3,
    trips: 5 + random() * 25,
  }))
  const stats = ['driver_id,event_timestamp,trips,avg_rating,cancelled_share']
  const labels = ['driver_id,event_timestamp,churned']
  for (let day = SAMPLE_DAYS - 1; day >= 0; day--) {
    const at = today - day * 86_400_000
    drivers.forEach((d, id) => {
      const trips = Math.round(d.trips * (0.7 + 0.6 * random()))
      const rating = Math.min(5, d.rating + 0.3 * (random() - 0.5))
      const cancelled = Math.min(1, Math.max(0, d.cancelled + 0.1 * (random() - 0.5)))
      stats.push(
        `${id + 1},${new Date(at).toISOString()},${trips},${rating.toFixed(2)},${cancelled.toFixed(3)}`,
      )
      if (day < SAMPLE_DAYS - 10 && day > 0 && random() < 0.5) {
        const risk = -2 + 9 * cancelled - 1.5 * (rating - 4.3) - 0.04 * trips
        const churned = random() < 1 / (1 + Math.exp(-risk)) ? 1 : 0
        labels.push(`${id + 1},${new Date(at + 12 * 3_600_000).toISOString()},${churned}`)
      }
    })
  }
  return [
    { path: 'data/drivers.csv', text: `${stats.join('\n')}\n` },
    { path: 'data/labels.csv', text: `${labels.join('\n')}\n` },
  ]
}
