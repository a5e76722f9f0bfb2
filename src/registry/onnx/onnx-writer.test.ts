import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { isStrataError } from '../../core/errors.js'
import { linearClassifierToOnnx, linearRegressorToOnnx } from './linear-onnx.js'
import { inspectOnnxModel } from './onnx-inspect.js'
import { type DecisionTreeNode, scoreTreeEnsemble, type TreeEnsemble } from './tree-ensemble.js'
import { treeEnsembleClassifierToOnnx, treeEnsembleRegressorToOnnx } from './tree-ensemble-onnx.js'

/** Deterministic uniform [0, 1) generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const f32 = Math.fround
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
const softmax = (s: number[]) => {
  const m = Math.max(...s)
  const e = s.map((v) => Math.exp(v - m))
  const total = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / total)
}
const argmax = (s: number[]) => s.reduce((best, v, i) => (v > (s[best] ?? -Infinity) ? i : best), 0)

/** Rows of random float32 values in [-3, 3]; with `extra`, some cells are NaN or copied thresholds. */
function randomRows(rand: () => number, n: number, f: number, extra: number[] = []): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: f }, () => {
      const r = rand()
      if (extra.length > 0 && r < 0.1) return Number.NaN
      if (extra.length > 0 && r < 0.3) return extra[Math.floor(rand() * extra.length)] ?? 0
      return f32(rand() * 6 - 3)
    }),
  )
}

async function runOrt(bytes: Uint8Array, rows: number[][]): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes)
  try {
    const f = rows[0]?.length ?? 0
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, f])
    return (await session.run({ [session.inputNames[0] ?? 'features']: input })) as Record<string, ort.Tensor>
  } finally {
    await session.release()
  }
}

function matrix(t: ort.Tensor | undefined): number[][] {
  if (t === undefined) throw new Error('missing output')
  const [n, k] = t.dims as [number, number]
  const data = t.data as Float32Array
  return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * k, (i + 1) * k)))
}

/** Labels arrive as BigInt64Array (INT64); convert with a range check. */
function labels(t: ort.Tensor | undefined): number[] {
  expect(t?.type).toBe('int64')
  return Array.from(t?.data as BigInt64Array, (v) => {
    expect(v <= BigInt(Number.MAX_SAFE_INTEGER)).toBe(true)
    return Number(v)
  })
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length)
  actual.forEach((row, i) => {
    const want = expected[i] ?? []
    expect(row.length).toBe(want.length)
    row.forEach((v, k) => {
      const w = want[k] ?? Number.NaN
      const tolerance = 1e-6 * Math.max(1, Math.abs(w))
      if (!(Math.abs(v - w) <= tolerance)) {
        throw new Error(`row ${i} output ${k}: onnxruntime ${v}, TypeScript ${w} (tolerance ${tolerance})`)
      }
    })
  })
}

const randomMatrix = (rand: () => number, rows: number, cols: number) =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => f32(rand() * 2 - 1)))

function randomTree(rand: () => number, features: number, outputs: number, depth: number): DecisionTreeNode {
  if (depth === 0 || rand() < 0.2) {
    return { values: Array.from({ length: outputs }, () => f32(rand() * 2 - 1)) }
  }
  return {
    feature: Math.floor(rand() * features),
    threshold: f32(rand() * 4 - 2),
    missingGoesLeft: rand() < 0.5,
    left: randomTree(rand, features, outputs, depth - 1),
    right: randomTree(rand, features, outputs, depth - 1),
  }
}

function randomEnsemble(seed: number, features: number, outputs: number, trees: number): TreeEnsemble {
  const rand = rng(seed)
  return {
    features,
    outputs,
    baseValues: Array.from({ length: outputs }, () => f32(rand() - 0.5)),
    trees: Array.from({ length: trees }, () => randomTree(rand, features, outputs, 5)),
  }
}

function thresholds(e: TreeEnsemble): number[] {
  const out: number[] = []
  const walk = (n: DecisionTreeNode) => {
    if ('values' in n) return
    out.push(n.threshold)
    walk(n.left)
    walk(n.right)
  }
  for (const t of e.trees) walk(t)
  return out
}

describe('ONNX writer: LinearRegressor', () => {
  it('matches the TypeScript predictions to 1e-6 on random inputs', async () => {
    const rand = rng(1)
    const coefficients = randomMatrix(rand, 3, 6)
    const intercepts = [f32(0.25), f32(-1.5), f32(3)]
    const rows = randomRows(rand, 200, 6)
    const out = await runOrt(linearRegressorToOnnx({ coefficients, intercepts }), rows)
    expect(out.prediction?.dims).toEqual([200, 3])
    const expected = rows.map((x) =>
      coefficients.map((c, k) => (intercepts[k] ?? 0) + c.reduce((s, w, j) => s + w * (x[j] ?? 0), 0)),
    )
    expectClose(matrix(out.prediction), expected)
  })
})

describe('ONNX writer: LinearClassifier', () => {
  it('binary: probabilities [1-p, p] and INT64 labels match TypeScript', async () => {
    const rand = rng(2)
    const w = randomMatrix(rand, 1, 5)
    const b = f32(0.3)
    const rows = randomRows(rand, 300, 5)
    const out = await runOrt(
      linearClassifierToOnnx({ coefficients: w, intercepts: [b], classLabels: [0, 1] }),
      rows,
    )
    const p = rows.map((x) => sigmoid(b + (w[0] ?? []).reduce((s, c, j) => s + c * (x[j] ?? 0), 0)))
    expectClose(
      matrix(out.probabilities),
      p.map((v) => [1 - v, v]),
    )
    expect(labels(out.label)).toEqual(p.map((v) => (v > 0.5 ? 1 : 0)))
  })

  it('multiclass: softmax probabilities and arbitrary integer labels match TypeScript', async () => {
    const rand = rng(3)
    const coefficients = randomMatrix(rand, 4, 3)
    const intercepts = [0.1, -0.2, 0.3, 0].map(f32)
    const classLabels = [10, 20, 30, 7]
    const rows = randomRows(rand, 300, 3)
    const out = await runOrt(linearClassifierToOnnx({ coefficients, intercepts, classLabels }), rows)
    const probs = rows.map((x) =>
      softmax(
        coefficients.map((c, k) => (intercepts[k] ?? 0) + c.reduce((s, v, j) => s + v * (x[j] ?? 0), 0)),
      ),
    )
    expectClose(matrix(out.probabilities), probs)
    expect(labels(out.label)).toEqual(probs.map((p) => classLabels[argmax(p)]))
  })

  it('rejects mismatched shapes with INVALID_ARGUMENT', () => {
    const err = (() => {
      try {
        linearClassifierToOnnx({ coefficients: [[1, 2]], intercepts: [0], classLabels: [0, 1, 2] })
      } catch (e) {
        return e
      }
    })()
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    expect((err as Error).message).toContain('1 coefficient rows for 3 class labels')
  })
})

describe('ONNX writer: TreeEnsembleRegressor', () => {
  it('matches the TypeScript ensemble to 1e-6, including NaN routing and values equal to thresholds', async () => {
    const ensemble = randomEnsemble(4, 4, 2, 30)
    const rows = randomRows(rng(5), 400, 4, thresholds(ensemble))
    const out = await runOrt(treeEnsembleRegressorToOnnx(ensemble), rows)
    const expected = rows.map((x) => {
      const s = new Float64Array(2)
      scoreTreeEnsemble(ensemble, x, s)
      return Array.from(s)
    })
    expectClose(matrix(out.prediction), expected)
  })
})

describe('ONNX writer: TreeEnsembleClassifier', () => {
  it('binary margin: probabilities [1-σ(m), σ(m)] and labels match TypeScript', async () => {
    const ensemble = randomEnsemble(6, 5, 1, 25)
    const rows = randomRows(rng(7), 400, 5, thresholds(ensemble))
    const out = await runOrt(treeEnsembleClassifierToOnnx(ensemble), rows)
    const p = rows.map((x) => {
      const s = new Float64Array(1)
      scoreTreeEnsemble(ensemble, x, s)
      return sigmoid(s[0] ?? 0)
    })
    expectClose(
      matrix(out.probabilities),
      p.map((v) => [1 - v, v]),
    )
    expect(labels(out.label)).toEqual(p.map((v) => (v > 0.5 ? 1 : 0)))
  })

  it('binary with all leaf weights non-negative: labels still follow the probabilities', async () => {
    // onnxruntime's own label would be "margin > 0.5" here; a margin of 0.3 has p = 0.574.
    const ensemble: TreeEnsemble = {
      features: 1,
      outputs: 1,
      baseValues: [0],
      trees: [{ feature: 0, threshold: 0, left: { values: [0.3] }, right: { values: [0.6] } }],
    }
    const out = await runOrt(treeEnsembleClassifierToOnnx(ensemble, { classLabels: [-1, 1] }), [[-1], [1]])
    expectClose(matrix(out.probabilities), [
      [1 - sigmoid(0.3), sigmoid(0.3)],
      [1 - sigmoid(0.6), sigmoid(0.6)],
    ])
    expect(labels(out.label)).toEqual([1, 1])
  })

  it('multiclass: softmax probabilities and labels match TypeScript', async () => {
    const ensemble = randomEnsemble(8, 3, 3, 20)
    const rows = randomRows(rng(9), 400, 3, thresholds(ensemble))
    const out = await runOrt(treeEnsembleClassifierToOnnx(ensemble, { classLabels: [5, 6, 7] }), rows)
    const probs = rows.map((x) => {
      const s = new Float64Array(3)
      scoreTreeEnsemble(ensemble, x, s)
      return softmax(Array.from(s))
    })
    expectClose(matrix(out.probabilities), probs)
    expect(labels(out.label)).toEqual(probs.map((p) => [5, 6, 7][argmax(p)]))
  })

  it('refuses a two-output ensemble, whose onnxruntime semantics are lossy', () => {
    const e = randomEnsemble(10, 2, 2, 2)
    expect(() => treeEnsembleClassifierToOnnx(e)).toThrow(/must have one output/)
  })
})

describe('ONNX inspection', () => {
  it('reports the exported signature, opsets and feature names', async () => {
    const bytes = treeEnsembleClassifierToOnnx(randomEnsemble(11, 3, 1, 2), { featureNames: ['a', 'b', 'c'] })
    const info = await inspectOnnxModel(bytes)
    expect(info.signature).toEqual({
      inputs: [{ name: 'features', type: 'float32', shape: ['N', 3] }],
      outputs: [
        { name: 'label', type: 'int64', shape: ['N'] },
        { name: 'probabilities', type: 'float32', shape: ['N', 2] },
      ],
    })
    expect(info.opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 })
    expect(info.irVersion).toBe(8)
    expect(info.producerName).toBe('strata')
    expect(info.metadata['strata.feature_names']).toBe('["a","b","c"]')
  })

  it('rejects bytes onnxruntime cannot load with INVALID_ARGUMENT and its message', async () => {
    const err = await inspectOnnxModel(new TextEncoder().encode('not a model')).catch((e: unknown) => e)
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    expect((err as Error).message).toMatch(/^onnxruntime cannot load the model: .+/)
  })
})

/** A Python with the `onnx` package: the venv of `scripts/python-env.sh` (CI always sets it). */
const venvPython = process.env.STRATA_TEST_PYTHON || undefined
if (venvPython === undefined && process.env.CI === 'true') {
  throw new Error('STRATA_TEST_PYTHON must be set in CI: export STRATA_TEST_PYTHON=$(scripts/python-env.sh)')
}
describe.skipIf(venvPython === undefined)(
  `ONNX writer: onnx.checker${venvPython === undefined ? ' (skipped: STRATA_TEST_PYTHON is not set; export STRATA_TEST_PYTHON=$(scripts/python-env.sh))' : ''}`,
  () => {
    it('passes onnx.checker.check_model(full_check=True) for all four exporters', () => {
      const dir = mkdtempSync(join(tmpdir(), 'strata-onnx-check-'))
      try {
        const models = {
          lr: linearRegressorToOnnx({ coefficients: [[1, 2]], intercepts: [0] }),
          lc: linearClassifierToOnnx({ coefficients: [[1, 2]], intercepts: [0], classLabels: [0, 1] }),
          tr: treeEnsembleRegressorToOnnx(randomEnsemble(12, 2, 1, 3)),
          tc: treeEnsembleClassifierToOnnx(randomEnsemble(13, 2, 1, 3)),
        }
        for (const [name, bytes] of Object.entries(models)) writeFileSync(join(dir, `${name}.onnx`), bytes)
        const script =
          'import onnx,sys,glob\n' +
          'for p in sorted(glob.glob(sys.argv[1] + "/*.onnx")):\n' +
          '    onnx.checker.check_model(onnx.load(p), full_check=True)\n' +
          '    print("ok", p)\n'
        const out = execFileSync(venvPython as string, ['-c', script, dir], { encoding: 'utf8' })
        expect(out.trim().split('\n')).toHaveLength(4)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  },
)
