import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TempProject, tempProject } from '../../../test/support/temp-project.js'
import { initProject, openStrata } from '../../platform/index.js'

describe('strata experiments and run administration', () => {
  let project: TempProject
  let runId = ''
  const out = mkdtempSync(join(tmpdir(), 'strata-download-'))

  beforeAll(async () => {
    project = await tempProject('strata-runs-admin-')
    initProject(project.dir)
    await using strata = await openStrata({ cwd: project.dir })
    const tracking = await strata.tracking()
    await tracking.withRun({ experiment: 'flights', name: 'first' }, async (run) => {
      runId = run.runId
      await run.logArtifact(new TextEncoder().encode('{"a":1}'), 'model/config.json')
      await run.logArtifact(new Uint8Array(3000).fill(7), 'model/weights/w.bin')
      await run.logArtifact(new TextEncoder().encode('hello'), 'notes.txt')
    })
  })
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true })
    await project[Symbol.asyncDispose]()
  })

  it('creates, lists, deletes and restores experiments, by name or id', async () => {
    const created = await project.cli('--json', 'experiments', 'create', 'churn')
    expect(created.code).toBe(0)
    const id = created.json<{ experimentId: string }>().experimentId
    const listed = await project.cli('experiments', 'list')
    expect(listed.stdout).toMatch(/^id\s+name\s+stage\s+created\s+artifact location$/m)
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+churn\\s+active\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`, 'm'),
    )

    expect((await project.cli('experiments', 'delete', 'churn')).stdout).toBe(
      `deleted experiment churn (${id})\n`,
    )
    const active = await project.cli('--json', 'experiments', 'list')
    expect(active.json<{ experiments: { name: string }[] }>().experiments.map((e) => e.name)).not.toContain(
      'churn',
    )
    const deleted = await project.cli('--json', 'experiments', 'list', '--view', 'deleted')
    expect(deleted.json<{ experiments: { name: string }[] }>().experiments.map((e) => e.name)).toEqual([
      'churn',
    ])
    const restored = await project.cli('--json', 'experiments', 'restore', id)
    expect(restored.json<{ lifecycleStage: string }>().lifecycleStage).toBe('active')

    const duplicate = await project.cli('experiments', 'create', 'churn')
    expect(duplicate.code).toBe(1)
    expect(duplicate.stderr).toMatch(/^error: .*churn.*\n$/)
    const missing = await project.cli('experiments', 'delete', 'nope')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      'error: experiment "nope" does not exist; list them with "strata experiments list --view all"\n',
    )
  })

  it('deletes and restores a run by id prefix', async () => {
    const prefix = runId.slice(0, 8)
    expect((await project.cli('runs', 'delete', prefix)).stdout).toBe(`deleted run ${runId} (first)\n`)
    const shown = await project.cli('--json', 'runs', 'show', runId)
    expect(shown.json<{ info: { lifecycleStage: string } }>().info.lifecycleStage).toBe('deleted')
    const restored = await project.cli('--json', 'runs', 'restore', prefix)
    expect(restored.json<{ lifecycleStage: string }>().lifecycleStage).toBe('active')
  })

  it('lists artifacts one level at a time and downloads a file or a whole directory', async () => {
    const top = await project.cli('runs', 'artifacts', runId)
    expect(top.stdout).toMatch(/^path\s+size$/m)
    expect(top.stdout).toMatch(/^model\/$/m)
    expect(top.stdout).toMatch(/^notes\.txt\s+5 B$/m)
    const inner = await project.cli('--json', 'runs', 'artifacts', runId, 'model/weights')
    expect(inner.json<{ artifacts: unknown[] }>().artifacts).toEqual([
      { path: 'model/weights/w.bin', isDir: false, fileSize: 3000 },
    ])

    const file = await project.cli('runs', 'download', runId, 'notes.txt', '--out', out)
    expect(file.code).toBe(0)
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('hello')
    const dir = await project.cli('--json', 'runs', 'download', runId, 'model', '--out', out)
    expect(dir.json<{ bytes: number }>().bytes).toBe(3007)
    expect(readFileSync(join(out, 'model', 'config.json'), 'utf8')).toBe('{"a":1}')
    expect(readFileSync(join(out, 'model', 'weights', 'w.bin')).length).toBe(3000)
    expect(readdirSync(join(out, 'model')).some((f) => f.includes('.partial-'))).toBe(false)

    const missing = await project.cli('runs', 'download', runId, 'nope', '--out', join(out, 'x'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      `error: run ${runId} has no artifact "nope"; list them with "strata runs artifacts ${runId}"\n`,
    )
    expect(existsSync(join(out, 'x'))).toBe(false)
  })
})
