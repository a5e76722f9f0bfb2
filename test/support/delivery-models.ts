import { LINEAR_PREDICTOR_TS, linearOnnx, linearSignature } from './serving-models.js'

/** Predictor bodies of the challengers the delivery tests roll out (all take `features` [N,3]). */
function predictor(body: string, preamble = ''): string {
  return `
interface Tensor { type: string; dims: number[]; data: Float32Array }
${preamble}
export function predict(inputs: Record<string, Tensor>): Record<string, { dims: number[]; data: Float32Array }> {
  const x = inputs.features
  const n = x.dims[0]
  const out = new Float32Array(n)
  ${body}
  for (let i = 0; i < n; i++) out[i] = VALUE
  return { prediction: { dims: [n, 1], data: out } }
}
`
}

const LINEAR_VALUE = '0.5 + x.data[i * 3] + 2 * x.data[i * 3 + 1] + 3 * x.data[i * 3 + 2]'

/** The challengers: a good one (same function), and bad ones. */
export const CHALLENGERS = {
  good: LINEAR_PREDICTOR_TS,
  /** Throws on every 10th call. */
  errors10: predictor(
    'if (++calls % 10 === 0) throw new Error("challenger failed call " + calls)',
    'let calls = 0',
  ).replace('VALUE', LINEAR_VALUE),
  /** Busy for 15 ms per call (the champion takes well under 1 ms). */
  slow: predictor('const end = Date.now() + 15; while (Date.now() < end) {}').replace('VALUE', LINEAR_VALUE),
  /** Always predicts 0.5. */
  constant: predictor('').replace('VALUE', '0.5'),
} as const

/** Registers `linear` v1 (ONNX, the champion, alias `champion`) and one version per challenger (v2…). */
export async function registerChallengers(registry: {
  registerVersion(name: string, input: object): Promise<{ version: number }>
  setAlias(name: string, alias: string, version: number): Promise<unknown>
}): Promise<Record<keyof typeof CHALLENGERS | 'champion' | 'otherInputs', number>> {
  const signature = await linearSignature()
  const champion = (await registry.registerVersion('linear', { onnx: linearOnnx() })).version
  await registry.setAlias('linear', 'champion', champion)
  const out: Record<string, number> = { champion }
  for (const [name, code] of Object.entries(CHALLENGERS)) {
    const v = await registry.registerVersion('linear', {
      files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(code) }],
      signature,
    })
    out[name] = v.version
  }
  const otherInputs = await registry.registerVersion('linear', {
    files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(LINEAR_PREDICTOR_TS) }],
    signature: { ...signature, inputs: signature.inputs.map((i) => ({ ...i, name: 'x' })) },
  })
  out.otherInputs = otherInputs.version
  return out as Record<keyof typeof CHALLENGERS | 'champion' | 'otherInputs', number>
}

/** A seeded pseudo-random source (mulberry32), so simulated traffic is the same every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A binary scorer's predictor: `prediction` [N,1] is the probability of class 1, `1 / (1 + e^-z)`. */
function scorer(z: string): string {
  return predictor('').replace('VALUE', `1 / (1 + Math.exp(-(${z})))`)
}

/**
 * Binary scorers for the label-guard tests (all take `features` [N,3] in [0, 1]). The truth the
 * tests label with is `x0 − x1 + noise > 0` ({@link scorerLabel}): the champion and the `good`
 * challenger score by `x0 − x1`; the `worse` one mostly by the irrelevant `x2`.
 */
export const SCORERS = {
  champion: scorer('4 * (x.data[i * 3] - x.data[i * 3 + 1])'),
  good: scorer('4.2 * (x.data[i * 3] - x.data[i * 3 + 1]) + 0.05'),
  worse: scorer('(x.data[i * 3] - x.data[i * 3 + 1]) + 4 * (x.data[i * 3 + 2] - 0.5)'),
} as const

/** The truth of a scorer test row: 1 when `x0 − x1 + noise > 0` (`noise` uniform in ±0.3). */
export function scorerLabel(row: readonly number[], rand: () => number): number {
  return (row[0] as number) - (row[1] as number) + (rand() - 0.5) * 0.6 > 0 ? 1 : 0
}

/** Registers model `scorer`: the champion (v1, alias `champion`), then `good` and `worse`. */
export async function registerScorers(registry: {
  registerVersion(name: string, input: object): Promise<{ version: number }>
  setAlias(name: string, alias: string, version: number): Promise<unknown>
}): Promise<Record<keyof typeof SCORERS, number>> {
  const signature = await linearSignature()
  const out: Record<string, number> = {}
  for (const [name, code] of Object.entries(SCORERS)) {
    const v = await registry.registerVersion('scorer', {
      files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(code) }],
      signature,
    })
    out[name] = v.version
  }
  await registry.setAlias('scorer', 'champion', out.champion as number)
  return out as Record<keyof typeof SCORERS, number>
}
