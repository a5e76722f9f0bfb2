import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheKey } from './cache-key.js'
import { loadPipelines } from './load-pipelines.js'
import { sourceClosureHash } from './source-closure.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-source-closure-'))
  dirs.push(dir)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

const PIPELINES = `import { pipeline, step } from 'strata-ml'
import { scale } from './lib/helpers.js'
const OFFSET = 1
export const p = pipeline({ name: 'p', steps: [step({ name: 's', run: () => scale(2) + OFFSET })] })
`

async function keyOf(dir: string): Promise<string> {
  const p = await (await loadPipelines(dir, 'pipelines.ts')).get('p')
  const s = p?.steps[0]
  if (p === undefined || s === undefined) throw new Error('pipeline p not loaded')
  return cacheKey(s, {}, {}, p.sourceHash).key
}

describe("a step's code hash covers what its function calls", () => {
  it('changes when an imported helper or a module constant changes, not when an unrelated file does', async () => {
    const dir = project({
      'pipelines.ts': PIPELINES,
      'lib/helpers.ts': "export { scale } from './scale'\n",
      'lib/scale.ts': 'export const scale = (x: number) => x * 10\n',
      'notes.ts': 'export const unrelated = 1\n',
    })
    const before = await keyOf(dir)
    expect(await keyOf(dir)).toBe(before)

    writeFileSync(join(dir, 'notes.ts'), 'export const unrelated = 2\n')
    expect(await keyOf(dir)).toBe(before)

    writeFileSync(join(dir, 'lib/scale.ts'), 'export const scale = (x: number) => x * 100\n')
    const helperEdited = await keyOf(dir)
    expect(helperEdited).not.toBe(before)

    writeFileSync(join(dir, 'pipelines.ts'), PIPELINES.replace('OFFSET = 1', 'OFFSET = 2'))
    expect(await keyOf(dir)).not.toBe(helperEdited)
  })

  it('follows ./x.js to x.ts, directories to index files, and survives import cycles', () => {
    const dir = project({
      'a.ts': "import { b } from './b'\nimport { c } from './c.js'\nexport const a = () => b + c\n",
      'b/index.ts': "import { a } from '../a'\nexport const b = 1; void a\n",
      'c.ts': 'export const c = 1\n',
    })
    const first = sourceClosureHash(join(dir, 'a.ts'))
    writeFileSync(join(dir, 'b/index.ts'), "import { a } from '../a'\nexport const b = 2; void a\n")
    const second = sourceClosureHash(join(dir, 'a.ts'))
    expect(second).not.toBe(first)
    writeFileSync(join(dir, 'c.ts'), 'export const c = 2\n')
    expect(sourceClosureHash(join(dir, 'a.ts'))).not.toBe(second)
  })
})
