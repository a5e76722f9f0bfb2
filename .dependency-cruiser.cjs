/**
 * The dependency arrows of docs ARCHITECTURE ("Dependency direction"), checked by
 * dependency-cruiser (`npm run lint:deps`, part of `npm test`). Import cycles are checked by
 * biome (`noImportCycles`); this file keeps the direction and the folder boundaries:
 *
 *   core ← ports ← backends          core ← db ← access (tokens)
 *   core, ports, db ← data ← features ← pipelines ← serving ← monitoring
 *                       ↖ tracking ← registry ↗          registry ← training (its ONNX writer)
 *   platform (the only place that names a concrete backend) ← api ← cli
 *   client → core only               testing → core, ports, db, backends
 *   inside features/: definitions ← offline ← online, each group through its index.ts; other
 *   folders import features/index.ts only
 *
 * The rules apply to the code that ships (src/ without tests); tests, test/, bench/ and
 * examples/ may reach anything. `test/lint/dependency-rules.test.ts` shows each rule failing on
 * a deliberate violation.
 */

/** Test code: free to import across layers (fixtures, concrete backends, the CLI). */
const TEST = ['\\.test\\.ts$', '/testdata/']

/** The domains, bottom-up, with what every domain sits on. */
const DOMAINS = ['core', 'ports', 'db', 'access', 'data', 'features', 'tracking', 'registry', 'pipelines', 'serving', 'monitoring']

/** For each folder of src/: the other folders its shipped code may import. */
const LAYERS = {
  core: [],
  ports: ['core'],
  db: ['core'],
  // API tokens and scopes (stored in the metadata database)
  access: ['core', 'db'],
  backends: ['core', 'ports'],
  data: ['core', 'ports', 'db'],
  features: ['core', 'ports', 'db', 'data'],
  tracking: ['core', 'ports', 'db', 'data'],
  registry: ['core', 'ports', 'db', 'data', 'tracking'],
  // Pure model training; it exports models with the registry's ONNX writer. Only the
  // `strata/training` entry (its own index.ts) exposes it.
  training: ['core', 'registry'],
  pipelines: DOMAINS.slice(0, DOMAINS.indexOf('pipelines')),
  serving: DOMAINS.slice(0, DOMAINS.indexOf('serving')),
  monitoring: DOMAINS.slice(0, DOMAINS.indexOf('monitoring')),
  // the composition root: the only folder that names a concrete backend
  platform: [...DOMAINS, 'backends'],
  api: [...DOMAINS, 'platform'],
  cli: [...DOMAINS, 'platform', 'api', 'client'],
  client: ['core'],
  testing: ['core', 'ports', 'db', 'backends'],
}

const FOLDERS = Object.keys(LAYERS)
const any = (names) => `^src/(?:${names.join('|')})/`

/** One rule per folder: its shipped code imports only itself and the folders below it. */
const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ ${allowed.length === 0 ? 'imports nothing else in src/' : `may import only ${allowed.map((f) => `${f}/`).join(', ')}`} (ARCHITECTURE "Dependency direction")`,
  severity: 'error',
  from: { path: `^src/${folder}/`, pathNot: TEST },
  to: { path: '^src/', pathNot: [any([folder, ...allowed])] },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unplaced-folder',
      comment: `every folder of src/ has a place in LAYERS of .dependency-cruiser.cjs (known: ${FOLDERS.join(', ')})`,
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: [any(FOLDERS), ...TEST] },
      to: {},
    },
    {
      name: 'layer-package-entry',
      comment:
        'the package entry (src/index.ts) re-exports config, platform, domain façades and types; never the CLI, the HTTP API, concrete backends or test support',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: any(['api', 'cli', 'backends', 'testing', 'training']) },
    },
    {
      name: 'through-index',
      comment:
        "another folder is imported through its index.ts (or a sub-folder's), never a deep path; core/ is leaf modules without a barrel",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: TEST },
      to: {
        path: '^src/[^/]+/',
        pathNot: [
          '^src/$1/',
          '^src/core/',
          '^src/backends/',
          '^src/[^/]+/index\\.ts$',
          '^src/[^/]+/[^/]+/index\\.ts$',
        ],
      },
    },
    {
      name: 'features-definitions-first',
      comment:
        'features/definitions/ (entities, views, services, sources) imports neither offline/ nor online/: the groups stack definitions ← offline ← online',
      severity: 'error',
      from: { path: '^src/features/definitions/', pathNot: TEST },
      to: { path: '^src/features/(?:offline|online)/' },
    },
    {
      name: 'features-offline-before-online',
      comment: 'features/offline/ (point-in-time retrieval) does not import features/online/',
      severity: 'error',
      from: { path: '^src/features/offline/', pathNot: TEST },
      to: { path: '^src/features/online/' },
    },
    {
      name: 'features-through-index',
      comment:
        "other folders import the feature store only through features/index.ts, never one of its groups' index",
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/features/', ...TEST] },
      to: { path: '^src/features/', pathNot: '^src/features/index\\.ts$' },
    },
    {
      name: 'backends-through-index',
      comment:
        "a backend is imported through its folder's index.ts; only platform/ loads single backend modules lazily (an optional driver loads only when its URI scheme is used)",
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/platform/', '^src/backends/', ...TEST] },
      to: { path: '^src/backends/', pathNot: '^src/backends/[^/]+/index\\.ts$' },
    },
    {
      name: 'no-test-code-in-build',
      comment:
        'shipped code never imports tests, test/ fixtures, benchmarks or examples (they are not in dist/)',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST },
      to: { path: ['\\.test\\.ts$', '^test/', '^bench/', '^examples/'] },
    },
    {
      name: 'no-dev-dependencies-in-build',
      comment:
        'shipped code imports only dependencies (a devDependency is missing where strata is installed); src/testing/ may use the optional peers vitest and fast-check',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST },
      to: {
        dependencyTypes: ['npm-dev'],
        pathNot: ['node_modules/(?:vitest|@vitest/[^/]+|fast-check)/'],
      },
    },
    {
      name: 'test-peers-only-in-testing',
      comment: 'vitest and fast-check are optional peers used by src/testing/ (strata/testing) only',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/testing/', ...TEST] },
      to: { path: 'node_modules/(?:vitest|@vitest/[^/]+|fast-check)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (an unresolved one would slip past the rules above)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/', '(^|/)\\.demo/', '(^|/)\\.strata/'] },
    // Type-only imports count: a type from an upper layer is still an upward dependency.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
}
