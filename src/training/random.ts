/** A seeded pseudo-random source: `next()` is uniform in [0, 1). */
export interface Rng {
  next(): number
  /** A standard normal draw (Box–Muller). */
  normal(): number
}

/**
 * A small, fast, seeded generator (mulberry32) so training runs and tests reproduce.
 *
 * @example
 * const rng = createRng(42); const u = rng.next()
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    normal: () => {
      const u = 1 - next()
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
    },
  }
}
