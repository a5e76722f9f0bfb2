import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStrata } from '../../src/platform/index.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

const BIN = new URL('../../bin/strata.js', import.meta.url).pathname

const PIPELINES = `
import { datasetInput, onCommit, pipeline, step } from 'strata-ml'

const read = step({ name: 'read', inputs: { notes: datasetInput('notes@main') }, run: (_ctx, { notes }) => notes.commit })
export const onNotes = pipeline({ name: 'on-notes', steps: [read], triggers: [onCommit('notes@main')] })
`

/** Starts `strata server` on a free port; resolves its JSON banner once it listens. */
function startServer(
  dir: string,
  ...extra: string[]
): Promise<{ child: ChildProcess; banner: Record<string, unknown> }> {
  const child = spawn(
    process.execPath,
    [BIN, '-C', dir, '--json', 'server', '--port', '0', '--trigger-poll-seconds', '0.2', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  let err = ''
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      try {
        resolve({ child, banner: JSON.parse(out) as Record<string, unknown> })
      } catch {
        // the banner (one pretty-printed JSON document) is not complete yet
      }
    })
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it listened: ${err}`)))
  })
}

const until = async (what: () => Promise<boolean>) => {
  while (!(await what())) await new Promise((r) => setTimeout(r, 100))
}

describe('strata server runs pipeline triggers [sqlite]', { timeout: 600_000 }, () => {
  const servers: ChildProcess[] = []
  let project: TempProject | undefined
  afterAll(async () => {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL')
    await project?.[Symbol.asyncDispose]()
  })

  it('two servers on one SQLite metadata database fire a commit trigger once per commit; --no-pipeline-triggers turns it off', async () => {
    project = await tempProject('strata-server-triggers-')
    const dir = project.dir
    expect((await project.cli('init', '--bare')).code).toBe(0)
    writeFileSync(
      join(dir, 'strata.config.ts'),
      `export default { pipelines: 'pipelines.ts', stepThreads: 0 }\n`,
    )
    writeFileSync(join(dir, 'pipelines.ts'), PIPELINES)
    expect((await project.cli('data', 'create', 'notes')).code).toBe(0)
    writeFileSync(join(dir, 'a.txt'), 'one\n')
    expect((await project.cli('data', 'commit', 'notes', 'a.txt', '-m', 'one')).code).toBe(0)

    const off = await startServer(dir, '--no-pipeline-triggers')
    servers.push(off.child)
    expect(off.banner.pipelineTriggers).toBe(false)
    const started = await Promise.all([startServer(dir), startServer(dir)])
    servers.push(...started.map((s) => s.child))
    expect(started.map((s) => s.banner.pipelineTriggers)).toEqual([true, true])

    await using strata = await openStrata({ cwd: dir })
    const engine = await strata.pipelines()
    const data = await strata.data()
    const head = async () => (await data.resolve('notes', 'main')).id
    const runsFor = async (commit: string) =>
      (await engine.runs({ pipeline: 'on-notes' })).filter((r) => r.tags['trigger.commit'] === commit)
    const settled = async (commit: string) => {
      await until(async () => (await runsFor(commit)).some((r) => r.status === 'succeeded'))
    }

    const first = await head()
    await settled(first)
    writeFileSync(join(dir, 'b.txt'), 'two\n')
    expect((await project.cli('data', 'commit', 'notes', 'b.txt', '-m', 'two')).code).toBe(0)
    const second = await head()
    await settled(second)
    // By now each server has checked the first commit many times (every 0.2 s).
    for (const commit of [first, second]) {
      const runs = await runsFor(commit)
      expect(runs, `runs for commit ${commit}`).toHaveLength(1)
      expect(await engine.output(runs[0]?.runId as string, 'read')).toBe(commit)
    }

    for (const s of servers) s.kill('SIGTERM')
    await Promise.all(
      servers.map((s) => new Promise((r) => (s.exitCode === null ? s.once('exit', r) : r(null)))),
    )
  })
})
