/**
 * A synthetic but ML-shaped lineage graph for `bench/lineage-upstream.bench.ts`, generated the way
 * Strata's domains record it (`commit`, `define`, `compute`, `join`, `store`, `train`,
 * `register`, `deploy`, `predict`), deterministic for a seed.
 */
import type { NodeId, RecordInput } from '../src/data/lineage/index.js'
import { createRng } from '../src/training/random.js'

/** The generated production steps, and start nodes for the queries. */
export interface LineageBenchGraph {
  /** Steps in time order: each one is a `LineageGraphStore.record` call. */
  steps: RecordInput[]
  nodeCount: number
  edgeCount: number
  /** Where upstream queries start. */
  modelVersions: NodeId[]
  /** Where downstream queries start. */
  rawCommits: NodeId[]
}

/** Node counts per kind at scale 1 (≈100k nodes); every count scales linearly. */
const SHAPE = {
  rawDatasets: 40,
  rawCommitsPerDataset: 125,
  views: 100,
  versionsPerView: 100,
  trainingSetNames: 200,
  versionsPerTrainingSet: 50,
  runsPerTrainingSet: 3,
  deployments: 2_000,
  predictionBatches: 8_000,
} as const

/** Deterministic uniform draws in [0, 1) (the trainers' seeded mulberry32). */
export const rng = (seed: number): (() => number) => createRng(seed).next

/**
 * Builds the graph, about `100_000 × scale` nodes:
 * - raw datasets, each a chain of commits (every commit produced from its parent);
 * - feature views, whose versions are `define`d from the raw commit current at their time and
 *   `compute` a commit of computed data (chained per view);
 * - training sets that `join` 3–6 view versions, their computed commits and a label commit, and
 *   `store` a commit (chained per training-set name);
 * - 3 runs per training set (20% with an extra evaluation commit), a model version for every
 *   other run, deployments of random model versions, and prediction batches made by a
 *   deployment from a raw commit.
 */
export function buildLineageGraph(scale = 1, seed = 42): LineageBenchGraph {
  const r = rng(seed)
  const n = (count: number) => Math.max(1, Math.round(count * scale))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)] as T
  const hex = (bytes: number) =>
    Array.from({ length: bytes / 4 }, () =>
      Math.floor(r() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join('')
  /** The item of a time-ordered chain current at time `t` ∈ [0, 1). */
  const at = <T>(chain: readonly T[], t: number): T =>
    chain[Math.min(chain.length - 1, Math.floor(t * chain.length))] as T
  const steps: RecordInput[] = []
  const nodes = new Set<string>()
  let edgeCount = 0
  const record = (inputs: NodeId[], output: NodeId, activity: string, label?: string) => {
    steps.push({ inputs, output: label === undefined ? output : { id: output, label }, activity })
    for (const id of [...inputs, output]) nodes.add(id)
    edgeCount += new Set(inputs).size
  }
  const chain = (count: number, label: string, parentless: (id: NodeId) => void): NodeId[] => {
    const ids: NodeId[] = []
    for (let i = 0; i < count; i++) {
      const id = `dataset-commit:${hex(32)}`
      const prev = ids[i - 1]
      if (prev === undefined) parentless(id)
      else record([prev], id, 'commit', `${label} ${id.slice(15, 21)}`)
      ids.push(id)
    }
    return ids
  }

  const raw = Array.from({ length: n(SHAPE.rawDatasets) }, (_, d) =>
    chain(SHAPE.rawCommitsPerDataset, `raw-${d}@main`, (id) =>
      steps.push({ inputs: [], output: id, activity: 'commit' }),
    ),
  )
  for (const c of raw) for (const id of c) nodes.add(id)

  /** Per view: versions in time order, each with its computed commit. */
  const views = Array.from({ length: n(SHAPE.views) }, (_, v) => {
    const source = raw[v % raw.length] as NodeId[]
    const versions: { node: NodeId; computed: NodeId }[] = []
    for (let k = 0; k < SHAPE.versionsPerView; k++) {
      const node = `feature-view-version:view-${v}/${k + 1}`
      record([at(source, k / SHAPE.versionsPerView)], node, 'define', `view-${v} v${k + 1}`)
      versions.push({ node, computed: '' })
    }
    const computed = chain(versions.length, `features-${v}@main`, () => {})
    versions.forEach((ver, k) => {
      ver.computed = computed[k] as NodeId
      record([ver.node], ver.computed, 'compute')
    })
    return versions
  })

  const trainingCommits: NodeId[][] = []
  for (let s = 0; s < n(SHAPE.trainingSetNames); s++) {
    const labels = pick(raw)
    const stored = chain(SHAPE.versionsPerTrainingSet, `ts-${s}@main`, () => {})
    const chosen = new Set<(typeof views)[number]>()
    // 3–6 views (fewer when a small --scale has fewer views).
    const want = Math.min(views.length, 3 + Math.floor(r() * 4))
    while (chosen.size < want) chosen.add(pick(views))
    stored.forEach((commit, k) => {
      const t = (k + r()) / SHAPE.versionsPerTrainingSet
      const node = `training-set:ts-${s}/${k + 1}`
      const inputs = [...chosen].flatMap((versions) => {
        const ver = at(versions, t)
        return [ver.node, ver.computed]
      })
      record([...inputs, at(labels, t)], node, 'join', `ts-${s} v${k + 1}`)
      record([node], commit, 'store')
    })
    trainingCommits.push(stored)
  }

  const modelVersions: NodeId[] = []
  let runNo = 0
  for (const [s, stored] of trainingCommits.entries()) {
    let version = 0
    for (const commit of stored) {
      for (let j = 0; j < SHAPE.runsPerTrainingSet; j++) {
        const run = `run:${hex(16)}`
        const evalSet = r() < 0.2 ? [pick(pick(raw))] : []
        record([commit, ...evalSet], run, 'train', `ts-${s} sweep ${j}`)
        if (runNo++ % 2 === 0) {
          const mv = `model-version:model-${s}/${++version}`
          record([run], mv, 'register')
          modelVersions.push(mv)
        }
      }
    }
  }
  const deployments = Array.from({ length: n(SHAPE.deployments) }, (_, i) => {
    const id = `deployment:dep-${i}`
    record([pick(modelVersions)], id, 'deploy')
    return id
  })
  for (let i = 0; i < n(SHAPE.predictionBatches); i++)
    record([pick(deployments), pick(pick(raw))], `prediction-batch:${hex(16)}`, 'predict')
  return { steps, nodeCount: nodes.size, edgeCount, modelVersions, rawCommits: raw.flat() }
}
