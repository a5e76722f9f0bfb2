import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const biome = join(root, 'node_modules', '.bin', 'biome')

interface PluginEntry {
  path: string
  includes?: string[]
}

/** The repository's plugin entries, with their paths made absolute so another directory can use them. */
function repoPlugins(): PluginEntry[] {
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as { plugins?: PluginEntry[] }
  return (config.plugins ?? []).map((p) => ({ ...p, path: resolve(root, p.path) }))
}

/** Lints a throwaway tree (path → source) with the repository's plugins; the paths of the plugin diagnostics. */
async function pluginDiagnostics(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-lint-'))
  dirs.push(dir)
  writeFileSync(
    join(dir, 'biome.json'),
    JSON.stringify({
      plugins: repoPlugins(),
      linter: { enabled: true, rules: { preset: 'none' } },
      formatter: { enabled: false },
      assist: { enabled: false },
    }),
  )
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
  }
  const { stdout } = await run(biome, ['lint', '--reporter=json', '.'], { cwd: dir }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  )
  const report = JSON.parse(stdout) as { diagnostics: { category: string; location: { path: string } }[] }
  return report.diagnostics
    .filter((d) => d.category === 'plugin')
    .map((d) => d.location.path)
    .sort()
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('lint rule: domain services are constructed only in src/platform/ and tests', () => {
  it('catches a deliberate violation in the CLI, the API and an example, and allows platform/ and tests', async () => {
    const construct = (what: string) =>
      `import { ${what} } from 'strata-ml'\ndeclare const ctx: never\nexport const made = new ${what}(ctx)\n`
    const found = await pluginDiagnostics({
      'src/cli/commands/violation.ts': construct('TrackingStore'),
      'src/api/violation.ts': construct('LineageGraphStore'),
      'src/serving/violation.ts': construct('ModelRegistry'),
      'examples/demo/violation.ts': construct('DataRepository'),
      'src/pipelines/violation.ts': construct('FeatureStore'),
      'src/platform/strata.ts': construct('TrackingStore'),
      'src/tracking/tracking-store.test.ts': construct('TrackingStore'),
      'src/cli/commands/fine.ts': `declare const strata: { tracking(): Promise<unknown> }\nexport const t = await strata.tracking()\n`,
    })
    expect(found).toEqual([
      'examples/demo/violation.ts',
      'src/api/violation.ts',
      'src/cli/commands/violation.ts',
      'src/pipelines/violation.ts',
      'src/serving/violation.ts',
    ])
  })
})
