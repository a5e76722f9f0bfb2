import { StrataError } from '../core/errors.js'

/** Computes `f(x)`, writing `∇f(x)` into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number

/** One L-BFGS iteration, as reported to {@link LbfgsOptions.onIteration}. */
export interface LbfgsIteration {
  iteration: number
  loss: number
  gradientNorm: number
}

/** Options for {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Default 200. */
  maxIterations?: number
  /** Stop when ‖∇f‖∞ falls below this (default 1e-6). */
  gradientTolerance?: number
  /** Stop when the relative loss decrease of an iteration falls below this (default 1e-10). */
  lossTolerance?: number
  /** Correction pairs kept (default 10). */
  memory?: number
  /** Called after each iteration; returning `false` stops early. */
  onIteration?: (it: LbfgsIteration) => undefined | boolean
}

/** Why and where {@link minimizeLbfgs} stopped. */
export interface LbfgsResult {
  x: Float64Array
  loss: number
  iterations: number
  gradientNorm: number
  reason: 'gradient' | 'loss' | 'max-iterations' | 'callback' | 'line-search'
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number)
  return s
}
const normInf = (a: Float64Array) => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number))
  return m
}

/**
 * Minimizes a smooth function with limited-memory BFGS (two-loop recursion) and a backtracking
 * Armijo line search, on Float64Arrays. Suited to convex problems such as regularized logistic
 * regression; each accepted step strictly decreases the loss.
 *
 * @example
 * const r = minimizeLbfgs((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2 }, new Float64Array(1))
 */
export function minimizeLbfgs(
  objective: Objective,
  x0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const maxIterations = options.maxIterations ?? 200
  const gtol = options.gradientTolerance ?? 1e-6
  const ftol = options.lossTolerance ?? 1e-10
  const m = options.memory ?? 10
  const n = x0.length
  const x = Float64Array.from(x0)
  const g = new Float64Array(n)
  let f = objective(x, g)
  if (!Number.isFinite(f))
    throw new StrataError('INVALID_ARGUMENT', `the objective is ${f} at the starting point`)
  const s: Float64Array[] = []
  const y: Float64Array[] = []
  const rho: number[] = []
  const d = new Float64Array(n)
  const xNew = new Float64Array(n)
  const gNew = new Float64Array(n)
  const alpha = new Float64Array(m)
  let iteration = 0
  let gnorm = normInf(g)
  if (gnorm <= gtol) return { x, loss: f, iterations: 0, gradientNorm: gnorm, reason: 'gradient' }
  while (iteration < maxIterations) {
    // d = -H·g by the two-loop recursion.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number)
    for (let k = s.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(s[k] as Float64Array, d)
      alpha[k] = a
      const yk = y[k] as Float64Array
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) - a * (yk[i] as number)
    }
    if (s.length > 0) {
      const last = s.length - 1
      const gamma =
        dot(s[last] as Float64Array, y[last] as Float64Array) /
        dot(y[last] as Float64Array, y[last] as Float64Array)
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma
    } else {
      const scale = 1 / Math.max(1, Math.sqrt(dot(g, g)))
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * scale
    }
    for (let k = 0; k < s.length; k++) {
      const b = (rho[k] as number) * dot(y[k] as Float64Array, d)
      const sk = s[k] as Float64Array
      const a = alpha[k] as number
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) + (a - b) * (sk[i] as number)
    }
    let slope = dot(g, d)
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = 0
      y.length = 0
      rho.length = 0
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number)
      slope = dot(g, d)
    }
    let step = 1
    let fNew = Number.NaN
    let accepted = false
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + step * (d[i] as number)
      fNew = objective(xNew, gNew)
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true
        break
      }
      step *= 0.5
    }
    if (!accepted) return { x, loss: f, iterations: iteration, gradientNorm: gnorm, reason: 'line-search' }
    const sk = new Float64Array(n)
    const yk = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      sk[i] = (xNew[i] as number) - (x[i] as number)
      yk[i] = (gNew[i] as number) - (g[i] as number)
    }
    const sy = dot(sk, yk)
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      if (s.length === m) {
        s.shift()
        y.shift()
        rho.shift()
      }
      s.push(sk)
      y.push(yk)
      rho.push(1 / sy)
    }
    const decrease = f - fNew
    x.set(xNew)
    g.set(gNew)
    f = fNew
    gnorm = normInf(g)
    iteration++
    if (options.onIteration?.({ iteration, loss: f, gradientNorm: gnorm }) === false) {
      return { x, loss: f, iterations: iteration, gradientNorm: gnorm, reason: 'callback' }
    }
    if (gnorm <= gtol) return { x, loss: f, iterations: iteration, gradientNorm: gnorm, reason: 'gradient' }
    if (decrease <= ftol * Math.max(1, Math.abs(f))) {
      return { x, loss: f, iterations: iteration, gradientNorm: gnorm, reason: 'loss' }
    }
  }
  return { x, loss: f, iterations: iteration, gradientNorm: gnorm, reason: 'max-iterations' }
}
