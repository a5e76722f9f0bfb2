import { writeFile } from 'node:fs/promises'

/** A seeded generator (mulberry32) with normal draws, so TS and Python see the same rows from a file. */
export function seededRandom(seed: number): {
  uniform(): number
  normal(mean?: number, sd?: number): number
} {
  let s = seed >>> 0
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    uniform,
    normal(mean = 0, sd = 1) {
      const u = 1 - uniform()
      const v = uniform()
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    },
  }
}

/** How one column of a generated table is drawn: from a row index and a random source. */
export type ColumnGenerator = (i: number, random: ReturnType<typeof seededRandom>) => unknown

/** `rows` rows of the given columns, drawn with `seed`. */
export function generateRows(
  rows: number,
  columns: Record<string, ColumnGenerator>,
  seed: number,
): Record<string, unknown>[] {
  const random = seededRandom(seed)
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < rows; i++) {
    const row: Record<string, unknown> = {}
    for (const [name, gen] of Object.entries(columns)) row[name] = gen(i, random)
    out.push(row)
  }
  return out
}

/** Writes rows as JSON lines (NaN/∞ become null, as JSON has no other spelling). */
export async function writeJsonLines(path: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  await writeFile(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`)
}

/** One column of rows as an array. */
export function column(rows: readonly Record<string, unknown>[], name: string): unknown[] {
  return rows.map((r) => r[name])
}
