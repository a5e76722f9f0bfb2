import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { listCommandPaths } from '../../src/cli/main.js'
import type { DoctorCheck } from '../../src/platform/index.js'
import { tempProject } from '../support/temp-project.js'

const run = promisify(execFile)
const bin = new URL('../../bin/strata.js', import.meta.url).pathname

describe('strata init', () => {
  it('scaffolds config, state dir and .gitignore, and refuses to overwrite without --force', async () => {
    await using project = await tempProject()
    writeFileSync(join(project.dir, '.gitignore'), 'node_modules/')
    const first = await project.cli('init', '--bare', '--json')
    expect(first.code).toBe(0)
    expect(first.json<{ created: string[]; gitignoreUpdated: boolean }>()).toMatchObject({
      created: ['strata.config.ts', '.strata/'],
      gitignoreUpdated: true,
    })
    expect(readFileSync(join(project.dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.strata/\n')
    expect(existsSync(join(project.dir, '.strata'))).toBe(true)

    const again = await project.cli('init', '--bare')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(
      /^error: .*strata\.config\.ts already exists; pass --force to overwrite it\n$/,
    )
    const againJson = await project.cli('init', '--bare', '--json')
    expect(againJson.json()).toMatchObject({ error: { code: 'ALREADY_EXISTS' } })

    const forced = await project.cli('init', '--bare', '--force')
    expect(forced.code).toBe(0)
    expect(readFileSync(join(project.dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.strata/\n')
  })
})

describe('strata init (the scaffold) and strata run', () => {
  it('scaffolds a TypeScript project whose sample trains, registers and materializes as scaffolded', async () => {
    await using project = await tempProject()
    writeFileSync(join(project.dir, 'package.json'), '{"name":"mine","dependencies":{}}\n')
    const init = await project.cli('init', '--json')
    expect(init.code).toBe(0)
    const result = init.json<{ created: string[]; kept: string[] }>()
    expect(result.created).toEqual([
      'strata.config.ts',
      '.strata/',
      'tsconfig.json',
      'features.ts',
      'train.ts',
      'data/drivers.csv',
      'data/labels.csv',
      '.gitignore',
    ])
    // The user's package.json is theirs: kept, even with --force.
    expect(result.kept).toEqual(['package.json'])
    expect((await project.cli('init', '--force', '--json')).json()).toMatchObject({ kept: ['package.json'] })
    expect(readFileSync(join(project.dir, 'package.json'), 'utf8')).toBe(
      '{"name":"mine","dependencies":{}}\n',
    )

    const steps = [
      ['data', 'create', 'drivers'],
      ['data', 'commit', 'drivers', join(project.dir, 'data/drivers.csv'), '-m', 'driver stats'],
      ['apply'],
      ['run', 'train.ts'],
      ['features', 'materialize'],
    ]
    for (const step of steps) {
      const done = await project.cli(...step)
      expect(done.stderr.replace(/^\S.*\d+(\.\d+)? s\n/gm, ''), step.join(' ')).toBe('')
      expect(done.code, step.join(' ')).toBe(0)
    }
    const model = await project.cli('models', 'show', 'driver-churn', '--json')
    expect(model.json()).toMatchObject({ aliases: { champion: 1 } })
    const runs = await project.cli('runs', 'list', '--experiment', 'churn', '--json')
    const [run] = runs.json<{ runs: { data: { metrics: Record<string, { value: number }> } }[] }>().runs
    // A model that learned something from the sample (its churn depends on the features).
    expect(run?.data.metrics.test_auc?.value).toBeGreaterThan(0.6)
    const listed = await project.cli('features', 'list', '--json')
    expect(JSON.stringify(listed.json())).toContain('driver_stats')
  })
})

describe('strata doctor', () => {
  it('reports every embedded backend ok in a new project', async () => {
    await using project = await tempProject()
    expect((await project.cli('init', '--bare')).code).toBe(0)
    const result = await project.cli('doctor', '--json')
    expect(result.stderr).toBe('')
    const report = result.json<{ ok: boolean; checks: DoctorCheck[] }>()
    expect(report.checks.map((c) => [c.setting, c.kind, c.ok])).toEqual([
      ['metadata', 'sqlite', true],
      ['blobs', 'fs', true],
      ['online', 'sqlite', true],
      ['offline', 'duckdb', true],
    ])
    expect(report.ok).toBe(true)
    expect(result.code).toBe(0)
  })

  it('fails with a non-zero exit and names the setting, value and valid schemes', async () => {
    await using project = await tempProject()
    writeFileSync(
      join(project.dir, 'strata.config.ts'),
      "export default { blobs: 'ftp://example/x', online: 'redis://127.0.0.1:1/0' }\n",
    )
    const result = await project.cli('doctor', '--json')
    expect(result.code).toBe(1)
    const report = result.json<{ ok: boolean; checks: DoctorCheck[] }>()
    const blobs = report.checks.find((c) => c.setting === 'blobs')
    expect(blobs?.ok).toBe(false)
    expect(blobs?.errorCode).toBe('INVALID_ARGUMENT')
    expect(blobs?.error).toContain(
      'blobs = "ftp://example/x" uses the unknown scheme "ftp:"; valid schemes are "file:", "s3:", "memory:"',
    )
    const online = report.checks.find((c) => c.setting === 'online')
    expect(online?.ok).toBe(false)
    expect(online?.errorCode).toBe('UNAVAILABLE')
    const human = await project.cli('doctor')
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(/blobs\s+FAIL/)
  })

  it('honours STRATA_*_URL overrides and a config file found from a subdirectory', async () => {
    await using project = await tempProject()
    await project.cli('init', '--bare')
    const sub = join(project.dir, 'a', 'b')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(sub, { recursive: true })
    const { stdout } = await run(process.execPath, [bin, 'doctor', '--json'], {
      cwd: sub,
      env: { ...process.env, STRATA_ONLINE_URL: 'memory:', STRATA_BLOBS_URL: 'memory:' },
    })
    const report = JSON.parse(stdout) as { root: string; checks: DoctorCheck[] }
    expect(report.root).toBe(project.dir)
    expect(report.checks.map((c) => c.kind)).toEqual(['sqlite', 'memory', 'memory', 'duckdb'])
  })
})

describe('strata CLI usage', () => {
  it('prints help for every command and exits 2 on usage errors', async () => {
    await using project = await tempProject()
    const paths = listCommandPaths()
    expect(paths).toContainEqual(['doctor'])
    for (const cmd of [[], ...paths]) {
      const help = await project.cli(...cmd, '--help')
      expect(help.code).toBe(0)
      expect(help.stdout).toContain('Usage: strata')
    }
    const bad = await project.cli('no-such-command')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("unknown command 'no-such-command'")
  })
})
