import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { docBlocks, runDocBlocks } from '../support/runnable-docs.js'

const run = promisify(execFile)
const repo = new URL('../..', import.meta.url).pathname
const built = join(repo, 'dist', 'cli', 'main.js')

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
  it('every runnable block succeeds, printing what the doc shows, in a fresh project that installed the npm pack tarball', {
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

    const blocks = docBlocks(readFileSync(join(repo, 'docs', 'quickstart.md'), 'utf8'))
    expect(blocks.find((b) => b.runnable)?.code.split('\n')[0]).toBe('npm install strata-ml')
    // The same runner as test/e2e/docs.test.ts, with one substitution: the package comes from
    // this checkout's tarball, not the registry.
    await runDocBlocks('docs/quickstart.md', blocks, {
      cwd: project,
      env: npmEnv,
      runTs: ['npx', 'strata', 'run'],
      rewrite: (line) =>
        line.replace(
          /^npm install strata-ml$/,
          `npm install --no-audit --no-fund --prefer-offline ${tarball}`,
        ),
    })

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
