import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterAll, describe, expect, it } from 'vitest'
import { initProject } from '../../platform/index.js'
import { createCliContext } from '../context.js'
import type { DefinitionKind } from '../definition-kind.js'
import { main } from '../main.js'
import { registerApply } from './apply.js'

const dir = mkdtempSync(join(tmpdir(), 'strata-apply-cli-'))
initProject(dir)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function capture() {
  const out = { stdout: '', stderr: '' }
  const streams = {
    stdout: (t: string) => {
      out.stdout += t
    },
    stderr: (t: string) => {
      out.stderr += t
    },
    isTTY: false,
  }
  return { out, streams }
}

async function cli(...args: string[]) {
  const { out, streams } = capture()
  const code = await main(['-C', dir, ...args], streams)
  return { code, ...out }
}

/** A kind of definition recording what `strata apply` asked of it. */
function kind(name: string, options: { configured?: boolean; breaking?: string[] } = {}) {
  const calls: string[] = []
  const k: DefinitionKind = {
    name,
    configHint: `${name}: '${name}.ts'`,
    planCommand: `strata ${name} plan`,
    configured: () => options.configured ?? true,
    breakingChanges: async () => {
      calls.push('plan')
      return options.breaking ?? []
    },
    apply: async (_strata, opts) => {
      calls.push(`apply allowBreaking=${opts.allowBreaking}`)
      return { result: { applied: name }, human: `applied ${name}\nsecond line` }
    },
  }
  return { kind: k, calls }
}

/** Runs `strata apply` over the given kinds. */
async function apply(kinds: DefinitionKind[], ...args: string[]) {
  const { out, streams } = capture()
  const state = { exitCode: 0 }
  const program = new Command('strata').option('--json').option('-C, --cwd <dir>').exitOverride()
  registerApply(
    program,
    createCliContext(() => program.opts(), streams, state),
    kinds,
  )
  await program.parseAsync(['-C', dir, 'apply', ...args], { from: 'user' })
  return { code: state.exitCode, ...out }
}

describe('strata apply', () => {
  it('applies every configured kind in order, keyed by kind in --json and in sections for people', async () => {
    const a = kind('features')
    const b = kind('pipelines')
    const off = kind('monitors', { configured: false })
    const human = await apply([a.kind, off.kind, b.kind])
    expect(human.code).toBe(0)
    expect(human.stdout).toBe(
      'features:\n  applied features\n  second line\n\npipelines:\n  applied pipelines\n  second line\n',
    )
    expect(off.calls).toEqual([])
    const json = await apply([a.kind, off.kind, b.kind], '--json')
    expect(JSON.parse(json.stdout)).toEqual({
      features: { applied: 'features' },
      pipelines: { applied: 'pipelines' },
    })
  })

  it('applies nothing when any kind has breaking changes, unless --allow-breaking', async () => {
    const a = kind('features')
    const b = kind('pipelines', { breaking: ['pipeline daily', 'pipeline hourly'] })
    const refused = await apply([a.kind, b.kind])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      'error: the plan has breaking changes (pipelines: pipeline daily, pipeline hourly); review "strata features plan", "strata pipelines plan" and apply with --allow-breaking\n',
    )
    expect([...a.calls, ...b.calls]).toEqual(['plan', 'plan'])
    const allowed = await apply([a.kind, b.kind], '--allow-breaking')
    expect(allowed.code).toBe(0)
    expect(b.calls).toEqual(['plan', 'apply allowBreaking=true'])
  })

  it('fails with what to configure when the project defines nothing', async () => {
    const res = await cli('apply')
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      "error: nothing to apply: the project configures no definitions; set features: 'features.ts' or monitors: 'monitors.ts' or graphs: 'graphs.ts' in strata.config.ts\n",
    )
    expect(JSON.parse((await cli('--json', 'apply')).stdout)).toMatchObject({
      error: { code: 'FAILED_PRECONDITION' },
    })
  })
})

describe('strata features and the old top-level spellings', { timeout: 300_000 }, () => {
  it('keeps plan, materialize and training-set working at the top level, with a hint on stderr but not with --json', async () => {
    const grouped = await cli('features', 'plan')
    expect(grouped.code).toBe(1)
    expect(grouped.stderr).toMatch(/^error: no feature definitions configured/)
    for (const name of ['plan', 'materialize', 'training-set']) {
      const old = await cli(name)
      expect(old.code, name).toBe(1)
      const [hint, error] = old.stderr.split('\n')
      expect(hint).toBe(
        `hint: "strata ${name}" is now "strata features ${name}"; the short form will be removed`,
      )
      expect(error).toMatch(/^error: no feature definitions configured/)
      const json = await cli('--json', name)
      expect(json.stderr, name).toBe('')
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'FAILED_PRECONDITION' } })
    }
    const help = await cli('--help')
    expect(help.stdout).toMatch(/^ {2}features /m)
    expect(help.stdout).toMatch(/^ {2}apply /m)
    expect(help.stdout).not.toMatch(/^ {2}(plan|materialize|training-set) /m)
  })
})
