import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initProject } from '../../platform/index.js'
import { main } from '../main.js'
import { parseDataRef } from './data-format.js'

describe('strata data [sqlite+fs]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-data-cli-'))
  initProject(dir)
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
    return { code, stdout, stderr, json: <T = Record<string, unknown>>() => JSON.parse(stdout) as T }
  }
  type Id = { commit: { id: string } }

  it('sqlite+fs: create, commit a directory, log, show and cat, for people and with --json', async () => {
    const src = join(dir, 'src')
    mkdirSync(join(src, 'raw'), { recursive: true })
    writeFileSync(join(src, 'raw', 'people.csv'), 'id,name\n1,ann\n2,bob\n')
    writeFileSync(join(src, 'notes.txt'), 'hello')
    expect((await cli('data', 'create', 'people', '-d', 'test data')).code).toBe(0)
    const commit = await cli('--json', 'data', 'commit', 'people', 'src', '-m', 'first', '--author', 'ada')
    expect(commit.code).toBe(0)
    expect(commit.json<Id>().commit.id).toMatch(/^[0-9a-f]{64}$/)
    const human = await cli('data', 'commit', 'people', join(src, 'notes.txt'), '--to', 'docs', '-m', 'docs')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^[0-9a-f]{12} .* {2}docs {2}\(\+1 ~0 -0; 3 files/)

    const log = await cli('--json', 'data', 'log', 'people')
    expect(log.json<{ commits: { message: string }[] }>().commits.map((c) => c.message)).toEqual([
      'docs',
      'first',
    ])
    expect((await cli('data', 'log', 'people:raw')).stdout).toContain('first')
    expect((await cli('data', 'log', 'people:raw')).stdout).not.toContain('docs')

    const show = await cli('--json', 'data', 'show', 'people@main~1')
    const shown = show.json<{ files: { path: string; table?: { rows: number } }[] }>()
    expect(shown.files.map((f) => f.path)).toEqual(['notes.txt', 'raw/people.csv'])
    expect(shown.files[1]?.table?.rows).toBe(2)
    expect((await cli('data', 'show', 'people:raw')).stdout).toContain(
      'raw/people.csv  [csv: 2 rows × 2 cols]',
    )

    expect((await cli('data', 'cat', 'people:docs/notes.txt')).stdout).toBe('hello')
    const cat = await cli('--json', 'data', 'cat', 'people@main:raw/people.csv')
    expect(cat.json()).toMatchObject({
      encoding: 'utf8',
      content: 'id,name\n1,ann\n2,bob\n',
      file: { size: 20 },
    })
    expect((await cli('data', 'list')).stdout).toContain('people')
  })

  it('sqlite+fs: diff, branch, tag, merge, revert and export', async () => {
    const src = join(dir, 'v2')
    mkdirSync(src, { recursive: true })
    writeFileSync(join(src, 'people.csv'), 'id,name,age\n1,ann,30\n3,cy,40\n')
    expect((await cli('data', 'branch', 'people', 'dev')).code).toBe(0)
    expect(
      (await cli('data', 'commit', 'people@dev', join(src, 'people.csv'), '--to', 'raw', '-m', 'v2')).code,
    ).toBe(0)
    const diff = await cli('data', 'diff', 'people', 'main', 'dev', '--key', 'id')
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain('M  raw/people.csv')
    expect(diff.stdout).toContain('columns added: age')
    expect(diff.stdout).toContain('by key (id): +1 added, -1 removed, ~0 changed, 1 unchanged')
    const jsonDiff = await cli('--json', 'data', 'diff', 'people', 'main', 'dev')
    expect(jsonDiff.json<{ diff: { summary: { changed: number } } }>().diff.summary.changed).toBe(1)

    expect((await cli('data', 'tag', 'people', 'v1')).code).toBe(0)
    const merged = await cli('--json', 'data', 'merge', 'people', 'dev')
    expect(merged.json()).toMatchObject({ kind: 'fast-forward' })
    const refs = await cli('--json', 'data', 'branch', 'people')
    expect(
      refs.json<{ refs: { name: string; kind: string }[] }>().refs.map((r) => `${r.kind}:${r.name}`),
    ).toEqual(['branch:dev', 'branch:main', 'tag:v1'])
    const reverted = await cli('data', 'revert', 'people', 'main')
    expect(reverted.code).toBe(0)
    expect(reverted.stdout).toContain('Revert "v2"')
    expect((await cli('data', 'cat', 'people:raw/people.csv')).stdout).toBe('id,name\n1,ann\n2,bob\n')

    const out = join(dir, 'out')
    const exported = await cli('--json', 'data', 'export', 'people@dev:raw', out)
    expect(exported.json()).toMatchObject({ files: 1 })
    expect(readFileSync(join(out, 'raw', 'people.csv'), 'utf8')).toContain('3,cy,40')
  })

  it('sqlite+fs: fsck and gc, and errors as one line or JSON with exit 1', async () => {
    const fsck = await cli('--json', 'data', 'fsck')
    expect(fsck.code).toBe(0)
    expect(fsck.json()).toMatchObject({ ok: true, problems: [] })
    const gc = await cli('data', 'gc')
    expect(gc.code).toBe(0)
    expect(gc.stdout).toContain('dry run')
    const forced = await cli('--json', 'data', 'gc', '--force', '--grace', '0')
    expect(forced.json()).toMatchObject({ dryRun: false, unreachable: 0 })

    const missing = await cli('--json', 'data', 'log', 'nosuch')
    expect(missing.code).toBe(1)
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    const human = await cli('data', 'cat', 'people')
    expect(human.code).toBe(1)
    expect(human.stderr).toContain('cat needs a file')
    const conflict = await cli('data', 'commit', 'people@v1', join(dir, 'v2'), '-m', 'to a tag')
    expect(conflict.code).toBe(1)
    expect(conflict.stderr).toContain('is a tag')
  })

  it('parses dataset@ref:path', () => {
    expect(parseDataRef('flights')).toEqual({ dataset: 'flights' })
    expect(parseDataRef('flights@v1')).toEqual({ dataset: 'flights', ref: 'v1' })
    expect(parseDataRef('flights@main~2:raw/a.csv')).toEqual({
      dataset: 'flights',
      ref: 'main~2',
      path: 'raw/a.csv',
    })
    expect(parseDataRef('flights:raw')).toEqual({ dataset: 'flights', path: 'raw' })
    expect(() => parseDataRef('@main')).toThrow(/dataset\[@ref\]\[:path\]/)
    expect(() => parseDataRef('flights@:x')).toThrow(/dataset\[@ref\]/)
  })
})
