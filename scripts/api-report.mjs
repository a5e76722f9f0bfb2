#!/usr/bin/env node
/**
 * The public API report: one API Extractor report per package entry point (`strata-ml`,
 * `strata-ml/training`, `strata-ml/testing`), read from the built declarations in dist/ and committed
 * in api-report/. A change to the public surface is then a visible diff in review.
 *
 *   node scripts/api-report.mjs           check: fails when dist/ no longer matches the reports
 *   node scripts/api-report.mjs --update  rewrite the reports after an intended change
 *
 * Needs `npm run build` first. The entry points come from package.json "exports", so a new
 * subpath gets a report without editing this file. The API Extractor report does not tell a
 * value export from a type-only one, so api-report/runtime-exports.json also lists the names
 * each entry exports at run time (what `import * as m from 'strata-ml'` holds).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const update = process.argv.includes('--update')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const reportFolder = join(root, 'api-report')
const tempFolder = join(tmpdir(), 'strata-api-report')
mkdirSync(reportFolder, { recursive: true })
mkdirSync(tempFolder, { recursive: true })

/** The compiler settings the declarations are read with (the project's, minus its file list). */
const compilerOptions = {
  target: 'ES2023',
  lib: ['ES2023', 'ESNext.Disposable'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: true,
  types: ['node'],
}

const messages = {
  compilerMessageReporting: { default: { logLevel: 'error' } },
  extractorMessageReporting: {
    default: { logLevel: 'warning', addToApiReportFile: true },
    // Release tags (@public/@beta) are not used: everything exported is public.
    'ae-missing-release-tag': { logLevel: 'none' },
    'ae-undocumented': { logLevel: 'none' },
    // {@link} targets inside domain docs (members, internal helpers) are for readers of the source.
    'ae-unresolved-link': { logLevel: 'none', addToApiReportFile: false },
  },
  // TSDoc syntax is checked by the house style, not here ({@link} to members, @example prose).
  tsdocMessageReporting: { default: { logLevel: 'none' } },
}

let failed = 0
/** Entry name → its run-time export names, sorted. */
const runtime = {}
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const types = join(root, target.types)
  const name = subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`
  const reportFileName = name.replaceAll('/', '-')
  if (!existsSync(types)) {
    console.error(`${types} is missing: run \`npm run build\` first`)
    process.exit(1)
  }
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: types,
      compiler: { overrideTsconfig: { compilerOptions, files: [types] } },
      apiReport: { enabled: true, reportFileName, reportFolder, reportTempFolder: tempFolder },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages,
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  })
  runtime[name] = Object.keys(await import(pathToFileURL(join(root, target.default)).href)).sort()
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false })
  const report = `api-report/${reportFileName}.api.md`
  if (result.apiReportChanged && !update) {
    failed++
    console.error(
      `${name}: the public API differs from ${report}.\n` +
        `  If the change is intended, run \`npm run api:update\` and commit ${report}.`,
    )
  } else if (!result.succeeded) {
    failed++
    console.error(`${name}: API Extractor reported ${result.errorCount} error(s)`)
  } else {
    console.log(`${name}: ${result.apiReportChanged ? 'updated' : 'unchanged'} (${report})`)
  }
}
const runtimeFile = join(reportFolder, 'runtime-exports.json')
const runtimeText = `${JSON.stringify(runtime, null, 2)}\n`
const committed = existsSync(runtimeFile) ? readFileSync(runtimeFile, 'utf8') : ''
if (runtimeText === committed) console.log('run-time exports: unchanged (api-report/runtime-exports.json)')
else if (update) {
  writeFileSync(runtimeFile, runtimeText)
  console.log('run-time exports: updated (api-report/runtime-exports.json)')
} else {
  failed++
  console.error(
    'run-time exports differ from api-report/runtime-exports.json.\n' +
      '  If the change is intended, run `npm run api:update` and commit it.',
  )
}
process.exit(failed === 0 ? 0 : 1)
