/**
 * Special functions the statistical tests need (drift tests in monitoring, label guards in
 * delivery), written to double precision so the p-values match SciPy's (cephes) to far better
 * than 0.000001: the normal distribution function and quantile, the chi-square survival function
 * (the regularized upper incomplete gamma function), and Student's t survival function and
 * quantile (the regularized incomplete beta function).
 */

const LOG_SQRT_2PI = 0.9189385332046728
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 0.000009984369578019572, 1.5056327351493116e-7,
]

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let a = LANCZOS[0] as number
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i)
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Regularized lower incomplete gamma P(a, x) by its series (converges fast for x < a + 1). */
function gammaPSeries(a: number, x: number): number {
  let sum = 1 / a
  let term = sum
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n)
    sum += term
    if (Math.abs(term) < Math.abs(sum) * 1e-17) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
}

/** Regularized upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1. */
function gammaQFraction(a: number, x: number): number {
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-17) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}

/** Q(a, x) = Γ(a, x) / Γ(a): the regularized upper incomplete gamma function (SciPy `gammaincc`). */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0) return Number.NaN
  if (x <= 0) return 1
  if (x === Number.POSITIVE_INFINITY) return 0
  return x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQFraction(a, x)
}

/** The chi-square survival function with `dof` degrees of freedom (SciPy `chi2.sf`). */
export function chi2Sf(x: number, dof: number): number {
  return gammaincc(dof / 2, x / 2)
}

/**
 * erfc(x), the complementary error function (W. J. Cody's rational approximations, relative
 * error below 1e-15 over the whole line).
 */
export function erfc(x: number): number {
  const ax = Math.abs(x)
  let result: number
  if (ax < 0.5) {
    return 1 - erf(x)
  }
  if (ax < 4) {
    const p = [
      300.4592610201616, 451.9189537118729, 339.3208167343437, 152.9892850469404, 43.162227222056735,
      7.2117582508830935, 0.564195517478974, -1.368648573827167e-7,
    ]
    const q = [
      300.4592609569833, 790.9509253278981, 931.3540948506096, 638.9802644656312, 277.58544474398764,
      77.00015293522948, 12.782727319629423, 1,
    ]
    let num = 0
    let den = 0
    for (let i = 7; i >= 0; i--) {
      num = num * ax + (p[i] as number)
      den = den * ax + (q[i] as number)
    }
    result = expOfSquare(ax) * (num / den)
  } else {
    const p = [
      -0.002996107077035422, -0.04947309106232507, -0.22695659353968692, -0.2786613086096478,
      -0.02231924597341847,
    ]
    const q = [0.010620923052846792, 0.19130892610782985, 1.051675107067932, 1.9873320181713525, 1]
    const z = 1 / (ax * ax)
    let num = 0
    let den = 0
    for (let i = 4; i >= 0; i--) {
      num = num * z + (p[i] as number)
      den = den * z + (q[i] as number)
    }
    result = (expOfSquare(ax) / ax) * (1 / Math.sqrt(Math.PI) + z * (num / den))
  }
  return x < 0 ? 2 - result : result
}

/** exp(-x²) computed without losing the low bits of x² (Cody's splitting). */
function expOfSquare(x: number): number {
  const hi = Math.trunc(x * 16) / 16
  const lo = (x - hi) * (x + hi)
  return Math.exp(-hi * hi) * Math.exp(-lo)
}

/** erf(x) for |x| < 0.5 (Cody), else 1 − erfc(x). */
export function erf(x: number): number {
  if (Math.abs(x) >= 0.5) return 1 - erfc(x)
  const p = [
    3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315,
  ]
  const q = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171]
  const z = x * x
  let num = (p[4] as number) * z
  let den = z
  for (let i = 0; i < 3; i++) {
    num = (num + (p[i] as number)) * z
    den = (den + (q[i] as number)) * z
  }
  return (x * (num + (p[3] as number))) / (den + (q[3] as number))
}

/** The standard normal distribution function Φ(x) (SciPy `norm.cdf`). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

/** Continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m < 10_000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return h
}

/** I_x(a, b), the regularized incomplete beta function (SciPy `betainc`), for a, b > 0 and 0 ≤ x ≤ 1. */
export function betainc(a: number, b: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x) || a <= 0 || b <= 0) return Number.NaN
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x))
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b
}

/** P(T > t) for Student's t with `dof` degrees of freedom (SciPy `t.sf`); the normal's for infinite `dof`. */
export function studentTSf(t: number, dof: number): number {
  if (Number.isNaN(t) || Number.isNaN(dof) || dof <= 0) return Number.NaN
  if (dof === Number.POSITIVE_INFINITY) return normalCdf(-t)
  const tail = 0.5 * betainc(dof / 2, 0.5, dof / (dof + t * t))
  return t > 0 ? tail : 1 - tail
}

/** The x where a continuous, increasing `cdf` reaches `p` (bisection to double precision). */
function quantileOf(cdf: (x: number) => number, p: number): number {
  if (!(p > 0 && p < 1))
    return p === 0 ? Number.NEGATIVE_INFINITY : p === 1 ? Number.POSITIVE_INFINITY : Number.NaN
  let lo = -1
  let hi = 1
  while (cdf(lo) > p) lo *= 2
  while (cdf(hi) < p) hi *= 2
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo), Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2
    if (cdf(mid) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** The standard normal quantile Φ⁻¹(p) (SciPy `norm.ppf`). */
export function normalQuantile(p: number): number {
  return quantileOf(normalCdf, p)
}

/** Student's t quantile with `dof` degrees of freedom (SciPy `t.ppf`). */
export function studentTQuantile(p: number, dof: number): number {
  return quantileOf((x) => 1 - studentTSf(x, dof), p)
}
