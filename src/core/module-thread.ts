import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type ResourceLimits, Worker } from 'node:worker_threads'

/** Where a thread finds the module it runs (the bootstrap reads it from `workerData.strataThread`). */
interface ThreadMain {
  mainUrl: string
  mainFile: string
  entry: string
  jitiPath?: string
}

// Loads the thread body: natively when running from `dist/` (JavaScript), through jiti when
// running from `src/` (TypeScript, as under vitest); either way the same code as the caller's.
const BOOTSTRAP = `
const { workerData, parentPort } = require('node:worker_threads')
const main = workerData.strataThread
const load = main.jitiPath === undefined
  ? import(main.mainUrl)
  : require(main.jitiPath).createJiti(main.mainFile).import(main.mainFile)
load.then((m) => m[main.entry]()).catch((err) => {
  parentPort.postMessage({ loadError: String(err && err.stack || err) })
})
`

/**
 * Starts a worker thread running `entry()` of Strata's own module `file` (a name without
 * extension, next to the module at `callerUrl`). The thread gets `workerData` as given (plus the
 * key `strataThread`); a module that fails to load posts `{ loadError }` with its stack.
 *
 * @example
 * const worker = startModuleThread(import.meta.url, 'step-thread-main', 'serveStepThread', { module })
 */
export function startModuleThread(
  callerUrl: string,
  file: string,
  entry: string,
  workerData: Record<string, unknown>,
  resourceLimits?: ResourceLimits,
): Worker {
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { ...workerData, strataThread: threadMain(callerUrl, file, entry) },
    execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
    ...(resourceLimits === undefined ? {} : { resourceLimits }),
  })
}

function threadMain(callerUrl: string, file: string, entry: string): ThreadMain {
  const here = dirname(fileURLToPath(callerUrl))
  const js = resolve(here, `${file}.js`)
  if (existsSync(js)) return { mainUrl: pathToFileURL(js).href, mainFile: js, entry }
  const ts = resolve(here, `${file}.ts`)
  return {
    mainUrl: pathToFileURL(ts).href,
    mainFile: ts,
    entry,
    jitiPath: createRequire(import.meta.url).resolve('jiti'),
  }
}
