import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const depcruise = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')

/**
 * Runs `npm run lint:deps`'s check (same binary, config and reporter) over `src/` of a fixture
 * tree; resolves the exit code and the reported violations as `rule: from → to`.
 */
function cruise(dir: string): Promise<{ code: number; violations: string[]; output: string }> {
  const args = [depcruise, 'src', '--config', join(repo, '.dependency-cruiser.cjs')]
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      // a package is named by its name (the file it resolves to varies with its version)
      const target = (to: string) => to.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1')
      const violations = [...stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map(
        ([, rule, from, to]) => `${rule}: ${from} → ${target(to as string)}`,
      )
      done({ code, violations, output: stdout })
    })
  })
}

/** Writes a tiny project: `files` maps paths to their imports (a line each). */
function fixture(files: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-deprules-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'fixture', type: 'module', devDependencies: { typescript: '*', vitest: '*' } }),
  )
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  )
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir')
  for (const [path, imports] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    const body = imports.map((spec, i) => `import * as m${i} from '${spec}'\nvoid m${i}\n`).join('')
    writeFileSync(join(dir, path), `${body}export const here = ${JSON.stringify(path)}\n`)
  }
  return dir
}

const cleanups: (() => void)[] = []
afterAll(() => {
  for (const c of cleanups) c()
})

/** A small tree in the shape of src/ whose imports all follow the arrows. */
const GOOD: Record<string, string[]> = {
  'src/core/errors.ts': [],
  'src/ports/index.ts': ['../core/errors.js'],
  'src/db/index.ts': ['../core/errors.js'],
  'src/backends/blob/index.ts': ['./fs-store.js'],
  'src/backends/blob/fs-store.ts': ['../../ports/index.js', '../../core/errors.js'],
  'src/data/index.ts': ['./lineage/index.js'],
  'src/data/lineage/index.ts': ['./graph.js', '../../db/index.js'],
  'src/data/lineage/graph.ts': ['../../core/errors.js', '../../ports/index.js'],
  'src/tracking/index.ts': ['../data/lineage/index.js'],
  'src/registry/index.ts': ['../tracking/index.js', '../data/index.js'],
  'src/training/index.ts': ['../registry/index.js'],
  // platform alone may load one backend module directly (lazily, for optional drivers)
  'src/platform/index.ts': ['../backends/blob/fs-store.js', '../registry/index.js'],
  'src/api/index.ts': ['../platform/index.js'],
  'src/cli/main.ts': ['../api/index.js', '../platform/index.js'],
  'src/testing/index.ts': ['../backends/blob/index.js', 'vitest'],
  'src/index.ts': ['./platform/index.js', './data/index.js'],
  // tests may reach anything, including the CLI and deep paths
  'src/data/lineage/graph.test.ts': ['../../cli/main.js', '../../backends/blob/fs-store.js', 'vitest'],
}

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('accepts a tree whose imports follow the arrows', async () => {
    const { code, violations, output } = await cruise(fixture(GOOD))
    expect(violations).toEqual([])
    expect(output).toContain('no dependency violations found')
    expect(code).toBe(0)
  })

  it('fails on each kind of violation, naming the rule, the importer and the import', async () => {
    const dir = fixture({
      ...GOOD,
      'src/core/upward.ts': ['../data/index.js'],
      'src/data/sideways.ts': ['../tracking/index.js'],
      'src/backends/blob/to-db.ts': ['../../db/index.js'],
      'src/api/deep.ts': ['../data/lineage/graph.js'],
      'src/cli/backend.ts': ['../backends/blob/index.js'],
      'src/testing/deep-backend.ts': ['../backends/blob/fs-store.js'],
      'src/index.ts': ['./platform/index.js', './cli/main.js'],
      'src/registry/fixture-user.ts': ['../../test/support/fixture.js'],
      'test/support/fixture.ts': [],
      'src/tracking/dev-dep.ts': ['typescript'],
      'src/features/uses-vitest.ts': ['vitest'],
      'src/widgets/new-folder.ts': ['../core/errors.js'],
      'src/db/missing.ts': ['./nowhere.js'],
    })
    const { code, violations } = await cruise(dir)
    expect(violations.sort()).toEqual(
      [
        'layer-core: src/core/upward.ts → src/data/index.ts',
        'layer-data: src/data/sideways.ts → src/tracking/index.ts',
        'layer-backends: src/backends/blob/to-db.ts → src/db/index.ts',
        'through-index: src/api/deep.ts → src/data/lineage/graph.ts',
        'layer-cli: src/cli/backend.ts → src/backends/blob/index.ts',
        'backends-through-index: src/testing/deep-backend.ts → src/backends/blob/fs-store.ts',
        'layer-package-entry: src/index.ts → src/cli/main.ts',
        'no-test-code-in-build: src/registry/fixture-user.ts → test/support/fixture.ts',
        'no-dev-dependencies-in-build: src/tracking/dev-dep.ts → typescript',
        'test-peers-only-in-testing: src/features/uses-vitest.ts → vitest',
        'layer-unplaced-folder: src/widgets/new-folder.ts → src/core/errors.ts',
        'not-to-unresolvable: src/db/missing.ts → ./nowhere.js',
      ].sort(),
    )
    expect(code).not.toBe(0)
  })
})
