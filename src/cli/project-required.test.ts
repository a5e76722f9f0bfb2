import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempProject } from '../../test/support/temp-project.js'
import { strataVersion } from '../core/version.js'
import { listCommandPaths } from './main.js'

/** Commands that never need a project. */
const OUTSIDE_OK = new Set(['init'])
const DUMMY = ['x1', 'x2', 'x3', 'x4']
/** Required options of a command, given so that commander lets the action run. */
const REQUIRED: Record<string, string[]> = { 'data commit': ['-m', 'message'] }

describe('outside a project', () => {
  it('every command but init fails with the one-line hint and writes nothing', async () => {
    await using project = await tempProject('strata-outside-')
    const leaves = listCommandPaths().filter(
      (path) =>
        !OUTSIDE_OK.has(path[0] as string) &&
        !listCommandPaths().some((p) => p.length > path.length && path.every((x, i) => p[i] === x)),
    )
    expect(leaves.length).toBeGreaterThan(10)
    for (const path of leaves) {
      // As many dummy positionals as the command takes (commander refuses too many or too few
      // with exit 2 before the action runs); the project check must come before any is used.
      const options = REQUIRED[path.join(' ')] ?? []
      let result = await project.cli(...path, ...options)
      for (let n = 1; result.code === 2 && n <= 4; n++) {
        result = await project.cli(...path, ...options, ...DUMMY.slice(0, n))
      }
      expect(result.code, `${path.join(' ')}: ${result.stderr}`).toBe(1)
      expect(result.stderr.trim(), path.join(' ')).toBe(
        `error: not inside a Strata project (no strata.config.ts in ${project.dir} or any parent); run \`strata init\``,
      )
      expect(readdirSync(project.dir), path.join(' ')).toEqual([])
    }
  })

  it('-C never creates a directory', async () => {
    await using project = await tempProject('strata-outside-')
    const missing = join(project.dir, 'missing')
    const result = await project.cli('-C', missing, '--json', 'runs', 'list')
    expect(result.code).toBe(1)
    expect(result.json()).toEqual({
      error: { code: 'NOT_FOUND', message: `directory ${missing} does not exist (-C never creates one)` },
    })
    expect(existsSync(missing)).toBe(false)
  })

  it('a metadata backend from the environment stands for a project', async () => {
    await using project = await tempProject('strata-outside-')
    const before = process.env.STRATA_METADATA_URL
    process.env.STRATA_METADATA_URL = `sqlite:${join(project.dir, 'meta.db')}`
    try {
      const result = await project.cli('--json', 'runs', 'list')
      expect(result.code).toBe(0)
    } finally {
      if (before === undefined) delete process.env.STRATA_METADATA_URL
      else process.env.STRATA_METADATA_URL = before
    }
  })

  it('--version and --help work anywhere', async () => {
    await using project = await tempProject('strata-outside-')
    const version = await project.cli('--version')
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toBe(strataVersion())
    expect((await project.cli('--help')).code).toBe(0)
    expect(readdirSync(project.dir)).toEqual([])
  })
})
