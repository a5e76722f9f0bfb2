import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const bin = new URL('../../bin/strata.js', import.meta.url).pathname
const built = new URL('../../dist/cli/main.js', import.meta.url).pathname
/** Root ignores file modes: as root, the read-only commands run as `nobody`. */
const asReader = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}

/** Runs the built CLI in `dir`; resolves its exit code and output instead of throwing. */
async function strata(dir: string, user: object, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, '-C', dir, ...args], {
      ...user,
      env: { ...process.env, HOME: dir },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** Read-only for everyone (readable and traversable by all), or writable by its owner again. */
function setWritable(path: string, writable: boolean): void {
  const isDir = statSync(path).isDirectory()
  chmodSync(path, (isDir ? 0o555 : 0o444) | (writable ? 0o200 : 0))
  if (isDir) for (const name of readdirSync(path)) setWritable(join(path, name), writable)
}

describe('a read-only copy of a project', () => {
  let dir = ''
  beforeAll(async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does)`)
    dir = mkdtempSync(join(tmpdir(), 'strata-read-only-'))
    expect((await strata(dir, {}, 'init')).code).toBe(0)
    expect((await strata(dir, {}, 'experiments', 'create', 'flights')).code).toBe(0)
    setWritable(dir, false)
  })
  afterAll(() => {
    if (dir === '') return
    setWritable(dir, true)
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers read commands', async () => {
    const listed = await strata(dir, asReader, 'experiments', 'list', '--json')
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect(JSON.stringify(JSON.parse(listed.stdout))).toContain('"flights"')
    expect((await strata(dir, asReader, 'runs', 'list')).code).toBe(0)
  })

  it('refuses a write with one line that says the database is read-only', async () => {
    const created = await strata(dir, asReader, 'experiments', 'create', 'other', '--json')
    expect(created.code).not.toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({
      error: { code: 'FAILED_PRECONDITION', message: expect.stringMatching(/read-only/) },
    })
  })
})
