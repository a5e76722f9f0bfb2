import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const repo = new URL('../..', import.meta.url).pathname
const built = join(repo, 'dist', 'cli', 'main.js')

/** The commands of every ```` ```sh test ```` block of a doc, in order, one per line. */
function testedCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh test\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '')
  return blocks.flatMap((b) => b.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')))
}

/**
 * A new user's environment: none of the `npm_config_*` settings `npm test` passes down from this
 * repository's .npmrc (engine-strict would refuse a transitive dependency whose latest release
 * asks for Node 22, which a user's npm only warns about), plus what native parts need on this
 * machine (local Node headers, no downloads).
 */
const npmEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))),
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  ...(existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {}),
}

describe('docs/quickstart.md, as a new user runs it, on the packed package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-quickstart-'))
  const project = join(dir, 'churn')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  // npm install from the registry (and compiling better-sqlite3) takes minutes.
  it('every tested command succeeds in a fresh project that installed the npm pack tarball', {
    timeout: 20 * 60_000,
  }, async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does)`)
    const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
      cwd: repo,
      env: npmEnv,
    })
    const tarball = join(dir, packed.stdout.trim().split('\n').pop() ?? '')
    expect(existsSync(tarball), tarball).toBe(true)
    await run('mkdir', [project])

    const commands = testedCommands(readFileSync(join(repo, 'docs', 'quickstart.md'), 'utf8'))
    expect(commands[0]).toBe('npm install strata-ml')
    for (const command of commands) {
      // The one substitution: the package comes from this checkout's tarball, not the registry.
      const line = command.replace(
        /^npm install strata-ml$/,
        `npm install --no-audit --no-fund --prefer-offline ${tarball}`,
      )
      const done = await run('bash', ['-c', line], { cwd: project, env: npmEnv, maxBuffer: 64 << 20 }).catch(
        (err: { code: number; stdout: string; stderr: string }) => err,
      )
      expect('code' in done ? `exit ${done.code}: ${done.stderr}` : 'ok', line).toBe('ok')
    }

    const model = await run('npx', ['strata', 'models', 'show', 'driver-churn', '--json'], { cwd: project })
    expect(JSON.parse(model.stdout)).toMatchObject({ aliases: { champion: 1 } })
    // The installed package is importable as ESM from the project.
    const imported = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('strata-ml'); console.log(typeof m.openStrata)"],
      { cwd: project },
    )
    expect(imported.stdout.trim()).toBe('function')
  })
})
