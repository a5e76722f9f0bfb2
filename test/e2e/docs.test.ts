import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { testServiceUrl } from '../../src/testing/services.js'
import { freePort } from '../support/free-port.js'
import { docBlocks, docDirectives, runDocBlocks } from '../support/runnable-docs.js'

/**
 * Docs that cannot rot: every block of README.md and docs/*.md marked runnable (```` ```sh test ````,
 * ```` ```ts test ````, ```` ```python test ````; see test/support/runnable-docs.ts) runs in order in a
 * fresh project directory against this clone's CLI (`bin/strata.js`, built by `npm run build`), and
 * the output lines a doc shows (```` ```text output ````) must be printed. docs/quickstart.md also
 * runs on the packed tarball in test/e2e/quickstart.test.ts; here it runs on the clone, as the
 * set-up of the docs that build on it.
 */

const repo = new URL('../..', import.meta.url).pathname
const cli = join(repo, 'bin', 'strata.js')
/** Docs other docs build on run first. */
const first = ['docs/quickstart.md']
const docFiles = [
  ...first,
  'README.md',
  ...readdirSync(join(repo, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`)
    .filter((f) => !first.includes(f)),
]

/**
 * The shell, TypeScript and Python blocks that stay unmarked, each with why it cannot run in CI.
 * Keyed by `doc: first line of the block`; a block that is neither marked nor listed here fails
 * the test, so a new block is a decision, not an accident.
 */
const notRunnable: Record<string, string> = {
  'README.md: npm ci && npm run demo    # the main job on the embedded default':
    'the clone set-up itself (CI runs `npm ci` and `npm test` before this test); the demo takes a minute and is run by examples/flights tests',
  'README.md: eval "$(scripts/test-services.sh start)"   # Postgres, Redis and s3rver on 127.0.0.1':
    'this is what .ci/run does before the tests; starting a second set of services inside the tests would collide with it',
  'docs/security.md: curl -H "Authorization: Bearer $STRATA_TOKEN" http://strata.internal:5000/api/experiments':
    "a team server's address; tokens, scopes, 401 and 403 are tested over loopback in test/security/",
  'docs/security.md: strata token create --name proxy-users --scopes read':
    'a server in the foreground behind nginx (the reverse-proxy set-up itself); the Host allow-list is tested in test/security/',
  'docs/http.md: npx jiti bench/http-frameworks.bench.ts --only node,strata --seconds 10 --warmup 2 --rounds 3':
    'a benchmark (a minute of CPU-bound load on the shared cores); its figures and the command are in bench/RESULTS.md',
  'docs/ui.md: npm run build && npx vitest run test/e2e/web-ui.test.ts':
    'runs the browser tests themselves, which `npm test` already runs',
  'docs/monitoring.md: export STRATA_TEST_PYTHON_MONITORING=$(scripts/python-env.sh --monitoring)':
    'runs the Evidently compat test itself, which `npm test` already runs in CI with the --monitoring venv (.ci/run)',
  'docs/monitoring.md: strata monitor labels outcomes.csv --entity flight_id --time departed_at   # by entity key + time':
    'needs predictions made by entity key (POST /v1/predict on a feature-enriched model); labels by entity key and time are tested in src/cli/commands/monitor-labels.test.ts and src/monitoring/monitors/entity-labels.test.ts',
  "docs/monitoring.md: import { monitor } from 'strata-ml'":
    "the closed loop's monitor needs a training pipeline with a register step and a served deployment, and runs minutes of guarded rollout; the loop is tested end to end in src/monitoring/loop/loop-engine.test.ts and loop-kill.test.ts (the quick start's monitors.ts, with the same import, runs)",
  "docs/serving.md: import { openStrata } from 'strata-ml'":
    "needs the installed package: `strata run` maps only `strata-ml` and `strata-ml/training` onto the running CLI (loading the HTTP server for every project file would slow every command); startServer is tested in src/api/embedded-server.test.ts and the demo's last serving step uses it",
  'docs/data.md: strata lineage dataset-commit:<id> --to model-version:flight-delay/1   # just the production path':
    "the demo's model (`npm run demo`, a minute of training on 1.48M rows); the same commands run on the quickstart's model in docs/quickstart.md",
}

/**
 * Blocks not gone through yet: empty now that every doc has been gone through. A block may never
 * be added here: a new block is marked `test` or listed in notRunnable with a reason.
 */
const notYetMarked = new Set<string>([])

/** Languages whose blocks are commands or code, each of which must be marked or listed above. */
const codeLangs = new Set(['sh', 'bash', 'ts', 'python'])

/**
 * The pinned venv python blocks run with: the full MLflow one, or the Triton client's for a doc
 * whose python blocks call a model server (`<!-- docs-test: python serving -->`).
 */
const pythons: Record<string, { variable: string; profile: string }> = {
  full: { variable: 'STRATA_TEST_PYTHON_FULL', profile: '--full' },
  serving: { variable: 'STRATA_TEST_PYTHON_SERVING', profile: '--serving' },
}
/** The address a doc shows for a Postgres database of the reader's (docs/features.md). */
const docPostgres = 'postgres://user@host:5432/db'
const postgres = testServiceUrl('postgres')
const databases: string[] = []

/**
 * A new empty database on the test server, for a doc that creates tables in "its" database
 * (dropped after the run), so that concurrent runs never share a table.
 */
async function freshDatabase(): Promise<string> {
  if (postgres === undefined) throw new Error('STRATA_TEST_POSTGRES_URL is not set')
  const name = `strata_docs_${process.pid}_${databases.length}`
  const client = new pg.Client({ connectionString: postgres })
  await client.connect()
  try {
    await client.query(`drop database if exists ${name}`)
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
  databases.push(name)
  const url = new URL(postgres)
  url.pathname = `/${name}`
  return url.toString()
}
const root = mkdtempSync(join(tmpdir(), 'strata-docs-'))
const bin = join(root, 'bin')
mkdirSync(bin)
// `strata` on PATH is this clone's CLI (as after `npm link`).
symlinkSync(cli, join(bin, 'strata'))

/**
 * The environment of a new user: this clone's CLI on PATH, npm kept offline (a doc's `npx strata`
 * must never fetch a package), none of the `npm_config_*` settings `npm test` passes down, and no
 * backend URLs (every doc runs on the embedded default).
 */
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|STRATA_)/i.test(key))),
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  // the docs show `root` as the author of commits and runs (CI runs as root)
  STRATA_USER: 'root',
  NO_COLOR: '1',
}

/**
 * A project directory where `strata-ml` resolves to this clone, as `npm install strata-ml` would
 * leave it (`node_modules/strata-ml`, `node_modules/.bin/strata`).
 */
function freshProject(name: string): string {
  const dir = join(root, name.replace(/[^\w.-]+/g, '_'))
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true })
  symlinkSync(repo, join(dir, 'node_modules', 'strata-ml'))
  symlinkSync(cli, join(dir, 'node_modules', '.bin', 'strata'))
  return dir
}

/**
 * The project directory each doc ran in, so that a doc that builds on another
 * (`<!-- docs-test: after quickstart.md -->`) continues in it instead of running it again. Docs
 * run in file order, with the ones others build on first.
 */
const projects = new Map<string, string>()

async function setUp(after: string[]): Promise<string> {
  const dirs = new Set(after.map((doc) => projects.get(doc)))
  const [dir] = dirs
  if (dirs.size !== 1 || dir === undefined)
    throw new Error(`${after.join(', ')} must have run, in one project, before the docs that build on them`)
  return dir
}

function read(doc: string) {
  const markdown = readFileSync(join(repo, doc), 'utf8')
  return { blocks: docBlocks(markdown), directives: docDirectives(markdown) }
}

afterAll(async () => {
  rmSync(root, { recursive: true, force: true })
  if (postgres === undefined || databases.length === 0) return
  const client = new pg.Client({ connectionString: postgres })
  await client.connect()
  try {
    for (const name of databases) await client.query(`drop database if exists ${name} with (force)`)
  } finally {
    await client.end()
  }
})

describe('runnable docs', () => {
  it('every shell, TypeScript and Python block is marked runnable or listed with a reason', () => {
    const unclassified: string[] = []
    const listed = new Set<string>()
    for (const doc of docFiles) {
      for (const block of read(doc).blocks) {
        if (!codeLangs.has(block.lang) || block.runnable) continue
        const key = `${doc}: ${block.code.split('\n')[0] ?? ''}`
        if (key in notRunnable) listed.add(key)
        else if (notYetMarked.has(key)) listed.add(key)
        else unclassified.push(`${key}  (line ${block.line})`)
      }
    }
    expect(unclassified, 'mark these blocks `test` or list them in notRunnable with a reason').toEqual([])
    expect(
      Object.keys(notRunnable).filter((key) => !listed.has(key)),
      'listed but no longer in the docs',
    ).toEqual([])
  })

  for (const doc of docFiles) {
    const { blocks, directives } = read(doc)
    if (!blocks.some((b) => b.runnable)) continue
    // a python block that is only written to a file (file=, append=) needs no venv
    const needsPython = blocks.some(
      (b) => b.runnable && b.lang === 'python' && b.file === undefined && b.append === undefined,
    )
    const venv = pythons[directives.python ?? 'full']
    if (venv === undefined) throw new Error(`${doc}: unknown python profile "${directives.python}"`)
    const python = process.env[venv.variable]
    const needsPostgres = blocks.some((b) => b.runnable && b.code.includes(docPostgres))
    const skip =
      ((needsPython && python === undefined) || (needsPostgres && postgres === undefined)) &&
      process.env.CI !== 'true'
    it.skipIf(skip)(`${doc} runs as written`, { timeout: 5 * 60_000 }, async () => {
      if (!existsSync(join(repo, 'dist', 'cli', 'main.js')))
        throw new Error('dist/ is missing: run "npm run build" first (npm test does)')
      if (needsPython && python === undefined)
        throw new Error(
          `${doc} has python blocks: set ${venv.variable}=$(scripts/python-env.sh ${venv.profile})`,
        )
      const database = needsPostgres ? await freshDatabase() : undefined
      // the ports a doc shows, each a free one here (8080 and 5000 are the server's, one per doc)
      const port = String(await freePort())
      const ports: Record<string, string> = {
        '8080': port,
        '5000': port,
        '8081': String(await freePort()),
        '8082': String(await freePort()),
        '8084': String(await freePort()),
      }
      const after = directives.after.map((d) => join(dirname(doc), d))
      const cwd = after.length === 0 ? freshProject(doc) : await setUp(after)
      await runDocBlocks(doc, blocks, {
        cwd,
        env,
        runTs: ['strata', 'run'],
        ...(python === undefined ? {} : { python }),
        rewrite: (line) =>
          line
            .replace(
              /^npm install strata-ml$/,
              `printf '{"dependencies":{"strata-ml":"^0.1.0"}}\\n' > package.json`,
            )
            .replace(/\b(8080|8081|8082|8084|5000)\b/g, (p) => ports[p] ?? p)
            // a doc run "from a clone at ~/strata" runs from this clone
            .replace(/~\/strata\//g, `${repo}`)
            .replace(docPostgres, database ?? docPostgres),
      })
      projects.set(doc, cwd)
    })
  }
})
