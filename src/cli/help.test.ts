import { describe, expect, it } from 'vitest'
import { tempProject } from '../../test/support/temp-project.js'
import { listCommands } from './main.js'

/** `-x, --long` pairs of one help text. */
const SHORT_FLAG = /^\s+(-\w), (--[\w-]+)/gm

describe('every command help', () => {
  it('ends with examples that start with "strata" and lists the global options', async () => {
    await using project = await tempProject('strata-help-')
    const leaves = listCommands().filter((c) => c.leaf)
    expect(leaves.length).toBeGreaterThan(40)
    for (const { path } of leaves) {
      const help = await project.cli(...path, '--help')
      const name = path.join(' ')
      expect(help.code, name).toBe(0)
      expect(help.stdout, name).toContain('Global Options:\n')
      expect(help.stdout, name).toMatch(/--json/)
      const examples = help.stdout.split('\nExamples:\n')[1]
      expect(examples, `${name} has no Examples section`).toBeDefined()
      const lines = (examples ?? '').trim().split('\n')
      for (const line of lines) expect(line.trim(), name).toMatch(/^(\w+=\S+ )?(strata|source <\(strata) /)
      // The examples are of this command (or of the top-level spelling it stands for).
      expect(
        lines.some((l) => l.includes(path[path.length - 1] as string)),
        name,
      ).toBe(true)
    }
  })
})

describe('short flags', () => {
  it('mean one thing across every command', async () => {
    await using project = await tempProject('strata-flags-')
    const meanings = new Map<string, Set<string>>()
    for (const { path, leaf } of listCommands()) {
      if (!leaf) continue
      const help = (await project.cli(...path, '--help')).stdout
      for (const [, short, long] of help.matchAll(SHORT_FLAG)) {
        const seen = meanings.get(short as string) ?? new Set<string>()
        seen.add(long as string)
        meanings.set(short as string, seen)
      }
    }
    const ambiguous = [...meanings]
      .filter(([, longs]) => longs.size > 1)
      .map(([s, l]) => `${s}: ${[...l].join(', ')}`)
    expect(ambiguous).toEqual([])
  })
})
