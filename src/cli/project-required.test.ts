import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempProject } from '../../test/support/temp-project.js'
import { strataVersion } from '../core/version.js'
import { listCommands, PROJECTLESS } from './main.js'

describe('outside a project', () => {
  it('every command but init and completion fails with the one-line hint and writes nothing', async () => {
    await using project = await tempProject('strata-outside-')
    const leaves = listCommands().filter((c) => c.leaf && !PROJECTLESS.has(c.path[0] as string))
    expect(leaves.length).toBeGreaterThan(10)
    for (const { path, requiredArgs, requiredOptions } of leaves) {
      // Dummy values for what commander requires before the action runs; the project check
      // must come before any of them is used.
      const args = [
        ...path,
        ...requiredOptions.flatMap((o) => [o, 'x']),
        ...Array.from({ length: requiredArgs }, (_, i) => `x${i}`),
      ]
      const result = await project.cli(...args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1)
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
