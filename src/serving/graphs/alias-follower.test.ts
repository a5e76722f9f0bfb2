import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { openStrata } from '../../platform/index.js'
import { linearRegressorToOnnx } from '../../registry/index.js'
import type { InferRequest } from '../model-server-types.js'
import { followAliases } from './alias-follower.js'
import { inferenceGraph } from './graph-definition.js'

/** delay version v answers INTERCEPT[v] + x0 + x1 + x2: the answer tells which version ran. */
const INTERCEPT: Record<number, number> = { 1: 0, 2: 100, 3: 200 }
const request: InferRequest = {
  inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: new Float32Array([1, 1, 1]) }],
}

it('a served model and an inference graph follow their aliases when they move; a reference that stops resolving keeps what it served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-alias-follow-'))
  try {
    await using strata = await openStrata({
      cwd: dir,
      config: { project: 'follow', blobs: 'memory:' },
      env: {},
    })
    const registry = await strata.registry()
    for (const v of [1, 2, 3]) {
      const onnx = linearRegressorToOnnx({ coefficients: [[1, 1, 1]], intercepts: [INTERCEPT[v] as number] })
      await registry.registerVersion('delay', { onnx })
    }
    await registry.setAlias('delay', 'champion', 1)
    await registry.setAlias('delay', 'challenger', 2)
    const server = await strata.serving()
    await server.deploy('delay@champion')
    const graph = await strata.serveGraph(
      inferenceGraph({
        name: 'delay-avg',
        kind: 'ensemble',
        combine: 'average',
        members: [
          { name: 'a', model: 'delay@champion' },
          { name: 'b', model: 'delay@challenger' },
        ],
      }),
    )
    const answer = async (name: string) =>
      Number((await server.infer(name, undefined, request)).outputs[0]?.values[0])
    expect(await answer('delay')).toBeCloseTo(3)
    expect(await answer('delay-avg')).toBeCloseTo(53) // (3 + 103) / 2

    const reloads: { name: string; from: string; to: string }[] = []
    const errors: string[] = []
    const stop = followAliases(server, (ref) => registry.resolve(ref), {
      models: ['delay'],
      graphs: [graph],
      everyMs: 20,
      onReload: (c) => reloads.push(c),
      onError: (err, name) => errors.push(`${name}: ${err.message}`),
    })
    try {
      const until = async (what: () => Promise<boolean>) => {
        for (let i = 0; i < 500 && !(await what()); i++) await new Promise((r) => setTimeout(r, 20))
      }
      await registry.setAlias('delay', 'champion', 3)
      await until(async () => (await answer('delay')) === 203 && (await answer('delay-avg')) === 153)
      expect(await answer('delay')).toBeCloseTo(203)
      expect(await answer('delay-avg')).toBeCloseTo(153) // (203 + 103) / 2
      expect(reloads).toEqual(
        expect.arrayContaining([
          { name: 'delay', from: 'version 1', to: 'version 3' },
          { name: 'delay-avg', from: 'a=delay/1 b=delay/2', to: 'a=delay/3 b=delay/2' },
        ]),
      )
      expect(errors).toEqual([])

      // the challenger alias goes away: the graph keeps serving its versions and says why
      await registry.deleteAlias('delay', 'challenger')
      await until(async () => errors.length > 0)
      await new Promise((r) => setTimeout(r, 200)) // ten more checks: reported once
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain('delay-avg')
      expect(await answer('delay-avg')).toBeCloseTo(153)
    } finally {
      await stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
