import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initProject, openStrata } from '../../platform/index.js'
import { linearRegressorToOnnx } from '../../registry/index.js'
import { main } from '../main.js'

const dir = mkdtempSync(join(tmpdir(), 'strata-graphs-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...args: string[]) {
  const out = { stdout: '', stderr: '' }
  const code = await main(['-C', dir, ...args], {
    stdout: (t) => {
      out.stdout += t
    },
    stderr: (t) => {
      out.stderr += t
    },
    isTTY: false,
  })
  return { code, ...out }
}

const GRAPHS = (second: string) => `
import { inferenceGraph } from 'strata-ml'
export const avg = inferenceGraph({
  name: 'delay-avg',
  kind: 'ensemble',
  combine: 'average',
  members: [{ name: 'v1', model: 'delay/1' }, { name: 'other', model: '${second}' }],
})
`

beforeAll(async () => {
  initProject(dir)
  writeFileSync(
    join(dir, 'strata.config.ts'),
    `import { defineConfig } from 'strata-ml'\nexport default defineConfig({ project: 'graphs-cli', graphs: 'graphs.ts' })\n`,
  )
  await using strata = await openStrata({ cwd: dir })
  const registry = await strata.registry()
  await registry.registerVersion('delay', {
    onnx: linearRegressorToOnnx({ coefficients: [[1, 2, 3]], intercepts: [0.5] }),
  })
  await registry.setAlias('delay', 'champion', 1)
  await registry.registerVersion('wide', {
    onnx: linearRegressorToOnnx({
      coefficients: [
        [1, 2, 3],
        [1, 1, 1],
      ],
      intercepts: [0, 0],
    }),
  })
}, 60_000)

describe('strata apply with inference graphs', () => {
  it('checks every graph against the registry and names the versions each node resolves to', async () => {
    writeFileSync(join(dir, 'graphs.ts'), GRAPHS('delay@champion'))
    const res = await cli('apply')
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toBe('graphs:\n  ✓ graph delay-avg (ensemble: v1 → delay/1, other → delay/1)\n')
    const json = JSON.parse((await cli('--json', 'apply')).stdout)
    expect(json.graphs.valid[0]).toMatchObject({
      name: 'delay-avg',
      outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }],
    })
  })

  it('fails naming the node when a graph would be refused by the server', async () => {
    writeFileSync(join(dir, 'graphs.ts'), GRAPHS('wide/1'))
    const res = await cli('apply')
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(
      /^error: graph "delay-avg" node "other": its outputs .* differ from node "v1"'s/,
    )
    writeFileSync(join(dir, 'graphs.ts'), GRAPHS('delay@nope'))
    const missing = await cli('apply')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /^error: graph "delay-avg" node "other": model "delay@nope" cannot be served/,
    )
  })
})
