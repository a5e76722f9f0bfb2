import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initProject, openStrata } from '../../platform/index.js'
import { main } from '../main.js'

describe('strata runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-runs-cli-'))
  initProject(dir)
  const ids: string[] = []

  beforeAll(async () => {
    await using strata = await openStrata({ cwd: dir })
    const tracking = await strata.tracking()
    for (const [name, lr, auc] of [
      ['slow', '0.01', 0.83],
      ['fast', '0.1', 0.91],
    ] as const) {
      await tracking.withRun({ experiment: 'flights', name }, async (run) => {
        ids.push(run.runId)
        await run.logParams({ lr, depth: 6 })
        await run.logMetrics({ auc })
        await run.logArtifact(new TextEncoder().encode('hi'), 'notes/readme.txt')
      })
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const cli = async (...args: string[]) => {
    let stdout = ''
    let stderr = ''
    const code = await main(['-C', dir, ...args], {
      stdout: (t) => {
        stdout += t
      },
      stderr: (t) => {
        stderr += t
      },
      isTTY: false,
    })
    return { code, stdout, stderr }
  }

  it('lists runs filtered and ordered, with the metrics the query mentions as columns', async () => {
    const res = await cli(
      'runs',
      'list',
      '--experiment',
      'flights',
      '--order-by',
      'metrics.auc DESC',
      '--filter',
      "params.depth = '6'",
    )
    expect(res.code).toBe(0)
    const lines = res.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^run id\s+name\s+experiment\s+status\s+started\s+duration\s+auc$/)
    expect(lines[1]).toMatch(new RegExp(`^${ids[1]}\\s+fast\\s+flights\\s+FINISHED.*0\\.91$`))
    expect(lines[2]).toMatch(new RegExp(`^${ids[0]}\\s+slow\\s+flights\\s+FINISHED.*0\\.83$`))

    const json = await cli('runs', 'list', '--filter', 'metrics.auc > 0.9', '--json')
    const parsed = JSON.parse(json.stdout) as { runs: { info: { runId: string } }[]; nextPageToken: null }
    expect(parsed.runs.map((r) => r.info.runId)).toEqual([ids[1]])
    expect(parsed.nextPageToken).toBeNull()

    const paged = JSON.parse((await cli('runs', 'list', '--max', '1', '--json')).stdout) as {
      nextPageToken: string
    }
    const next = JSON.parse(
      (await cli('runs', 'list', '--max', '1', '--page-token', paged.nextPageToken, '--json')).stdout,
    )
    expect(next.runs.map((r: { info: { runId: string } }) => r.info.runId)).toEqual([ids[0]])
  })

  it('shows one run by id prefix and compares runs side by side', async () => {
    const show = await cli('runs', 'show', (ids[1] as string).slice(0, 6))
    expect(show.code).toBe(0)
    expect(show.stdout).toContain(`run ${ids[1]}  fast`)
    expect(show.stdout).toMatch(/experiment\s+flights \(1\)/)
    expect(show.stdout).toMatch(/auc\s+0\.91 {2}\(step 0\)/)
    expect(show.stdout).toContain('notes/')

    const cmp = await cli('runs', 'compare', ids[0] as string, ids[1] as string)
    expect(cmp.code).toBe(0)
    const rows = cmp.stdout.trimEnd().split('\n')
    expect(rows[0]).toMatch(/^\s+slow \(\w{8}\)\s+fast \(\w{8}\)$/)
    expect(rows).toContainEqual(expect.stringMatching(/^param lr\s+0\.01\s+0\.1$/))
    expect(rows).toContainEqual(expect.stringMatching(/^metric auc\s+0\.83\s+0\.91$/))

    const diff = JSON.parse(
      (await cli('runs', 'compare', ids[0] as string, ids[1] as string, '--diff', '--json')).stdout,
    )
    expect(Object.keys(diff.params)).toEqual(['lr'])
    expect(diff.metrics.auc).toEqual({ [ids[0] as string]: 0.83, [ids[1] as string]: 0.91 })
  })

  it('fails with exit 1 and a one-line message naming the problem', async () => {
    const bad = await cli('runs', 'list', '--filter', 'metrics.auc >> 1')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('at position 13 near ">"')
    const missing = await cli('runs', 'show', 'ffffffff', '--json')
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'NOT_FOUND' } })
    const noExp = await cli('runs', 'list', '-e', 'nope')
    expect(noExp.stderr).toBe(
      'error: experiment "nope" does not exist; list them with "strata experiments list --view all"\n',
    )
  })
})
