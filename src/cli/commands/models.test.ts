import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempProject } from '../../../test/support/temp-project.js'
import { initProject, openStrata } from '../../platform/index.js'
import type { AliasEvent, ModelVersion, RegisteredModel } from '../../registry/index.js'
import { linearClassifierToOnnx } from '../../registry/index.js'

describe('strata models', () => {
  it('registers ONNX files, moves aliases, and shows models, versions and alias history', async () => {
    await using project = await tempProject('strata-models-cli-')
    initProject(project.dir)
    const file = join(project.dir, 'model.onnx')
    writeFileSync(
      file,
      linearClassifierToOnnx({ coefficients: [[1, 2]], intercepts: [0], classLabels: [0, 1] }),
    )
    let runId = ''
    {
      await using strata = await openStrata({ cwd: project.dir })
      const tracking = await strata.tracking()
      await tracking.withRun({ experiment: 'flights', name: 'train' }, async (run) => {
        runId = run.runId
      })
    }

    const first = await project.cli(
      'models',
      'register',
      'flight-delay',
      'model.onnx',
      '--run',
      runId,
      '--description',
      'logistic baseline',
      '--tag',
      'team=ml',
      '--metric',
      'auc=0.81',
      '--json',
    )
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const v1 = first.json<ModelVersion>()
    expect(v1).toMatchObject({
      name: 'flight-delay',
      version: 1,
      flavor: 'onnx',
      status: 'READY',
      runId,
      description: 'logistic baseline',
      tags: { team: 'ml' },
      metrics: { auc: 0.81 },
      source: `file:${file}`,
    })
    expect(v1.signature?.inputs).toEqual([{ name: 'features', type: 'float32', shape: ['N', 2] }])

    const second = await project.cli(
      'models',
      'register',
      'flight-delay',
      'model.onnx',
      '--alias',
      'challenger',
    )
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^registered flight-delay version 2 {2}\(onnx, READY\)/)
    expect(second.stdout).toMatch(/input {8}features {2}float32 \[N, 2\]/)
    expect(second.stdout).toMatch(/aliases {6}challenger/)

    expect((await project.cli('models', 'alias', 'flight-delay', 'champion', '1')).stdout).toBe(
      'flight-delay@champion → version 1\n',
    )
    const moved = await project.cli(
      'models',
      'alias',
      'flight-delay',
      'champion',
      '2',
      '--reason',
      'better AUC',
      '--json',
    )
    expect(moved.json<{ changed: boolean; event: AliasEvent }>()).toMatchObject({
      changed: true,
      event: { alias: 'champion', fromVersion: 1, toVersion: 2, reason: 'better AUC' },
    })
    const same = await project.cli('models', 'alias', 'flight-delay', 'champion', '2')
    expect(same.stdout).toBe('flight-delay@champion already points at version 2\n')
    expect((await project.cli('models', 'alias', 'flight-delay', 'challenger', '--delete')).stdout).toBe(
      'flight-delay@challenger removed (was version 2)\n',
    )

    const history = await project.cli('models', 'history', 'flight-delay', '--json')
    expect(
      history.json<{ events: AliasEvent[] }>().events.map((e) => [e.alias, e.fromVersion, e.toVersion]),
    ).toEqual([
      ['challenger', null, 2],
      ['champion', null, 1],
      ['champion', 1, 2],
      ['challenger', 2, null],
    ])
    const championHistory = await project.cli('models', 'history', 'flight-delay', '--alias', 'champion')
    const lines = championHistory.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^at\s+alias\s+move\s+actor\s+reason$/)
    expect(lines[2]).toMatch(/champion\s+1 → 2\s+.*better AUC$/)
    expect(lines).toHaveLength(3)

    const list = await project.cli('models', 'list')
    expect(list.stdout).toMatch(
      /^name\s+latest\s+aliases\s+updated\s+description\nflight-delay\s+2\s+champion→2\s/,
    )
    const listJson = await project.cli('models', 'list', '--filter', "name LIKE 'flight%'", '--json')
    expect(listJson.json<{ models: RegisteredModel[] }>().models.map((m) => m.name)).toEqual(['flight-delay'])

    const champion = await project.cli('models', 'show', 'flight-delay@champion', '--json')
    expect(champion.json<ModelVersion>()).toMatchObject({ version: 2, aliases: ['champion'] })
    const shown = await project.cli('models', 'show', 'flight-delay')
    expect(shown.stdout).toMatch(/^flight-delay\n/)
    expect(shown.stdout).toMatch(
      new RegExp(`\\n2\\s+READY\\s+onnx\\s+[\\d-]+ [\\d:]+\\s+champion\\n1\\s+READY\\s+onnx\\s+${runId}\\s`),
    )

    const lineage = await project.cli('lineage', 'model-version:flight-delay/1', '--json')
    expect(lineage.json<{ edges: { from: string; to: string }[] }>().edges).toEqual([
      expect.objectContaining({ from: `run:${runId}`, to: 'model-version:flight-delay/1' }),
    ])
  })

  it('reports bad files, unknown runs and bad arguments with exit code 1 and the error code', async () => {
    await using project = await tempProject('strata-models-cli-')
    initProject(project.dir)
    writeFileSync(join(project.dir, 'broken.onnx'), 'not a model')
    const broken = await project.cli('models', 'register', 'm', 'broken.onnx')
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/^error: onnxruntime cannot load the model: .+\n$/)
    const brokenJson = await project.cli('models', 'register', 'm', 'broken.onnx', '--json')
    expect(brokenJson.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })

    writeFileSync(
      join(project.dir, 'ok.onnx'),
      linearClassifierToOnnx({ coefficients: [[1]], intercepts: [0], classLabels: [0, 1] }),
    )
    const noRun = await project.cli('models', 'register', 'm', 'ok.onnx', '--run', 'nope', '--json')
    expect(noRun.code).toBe(1)
    expect(noRun.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    const missing = await project.cli('models', 'register', 'm', 'missing.onnx', '--json')
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    const noVersion = await project.cli('models', 'alias', 'm', 'champion', '--json')
    expect(noVersion.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
    const unknown = await project.cli('models', 'show', 'nope', '--json')
    expect(unknown.json()).toMatchObject({
      error: { code: 'NOT_FOUND', message: 'registered model "nope" does not exist' },
    })
    expect((await project.cli('models', 'list')).stdout).toBe('no registered models\n')
  })
})
