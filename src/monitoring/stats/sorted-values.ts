/** Helpers over ascending-sorted `Float64Array`s: the exact form of a numeric column the tests need. */

/** Number of elements of sorted `a` that are `< x` (side `left`) or `<= x` (side `right`), as numpy `searchsorted`. */
export function searchSorted(a: Float64Array, x: number, side: 'left' | 'right'): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const v = a[mid] as number
    if (side === 'left' ? v < x : v <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Distinct values of sorted `a` with their counts. */
export function distinctCounts(a: Float64Array): Map<number, number> {
  const out = new Map<number, number>()
  let i = 0
  while (i < a.length) {
    const v = a[i] as number
    let j = i + 1
    while (j < a.length && a[j] === v) j++
    out.set(v, j - i)
    i = j
  }
  return out
}

/** How many distinct values sorted `a` holds. */
export function distinctCount(a: Float64Array): number {
  let n = 0
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) n++
  return n
}

/** Distinct values over two sorted arrays together, stopping once `cap` is passed. */
export function distinctCountUnion(a: Float64Array, b: Float64Array, cap = Number.POSITIVE_INFINITY): number {
  let i = 0
  let j = 0
  let n = 0
  let last = Number.NaN
  while (i < a.length || j < b.length) {
    const v =
      j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))
        ? (a[i++] as number)
        : (b[j++] as number)
    if (n === 0 || v !== last) {
      n++
      last = v
      if (n > cap) return n
    }
  }
  return n
}

/** Population standard deviation (numpy `std`, ddof 0), two-pass. */
export function populationStd(a: Float64Array): number {
  if (a.length === 0) return Number.NaN
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i] as number
  const mean = sum / a.length
  let sq = 0
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - mean
    sq += d * d
  }
  return Math.sqrt(sq / a.length)
}
