import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { errorMessage, isStrataError, StrataError } from './errors.js'

let strataModule: Promise<unknown> | undefined

/**
 * This running copy of Strata's public entry (`dist/index.js`, or `src/index.ts` when run from
 * source), loaded once. User modules get it for `import … from 'strata-ml'`, so they share its
 * classes (`instanceof` holds) and nothing is compiled twice.
 */
function runningStrata(): Promise<unknown> {
  if (strataModule === undefined) {
    const here = dirname(fileURLToPath(import.meta.url))
    const built = resolve(here, '..', 'index.js')
    const entry = existsSync(built) ? built : resolve(here, '..', 'index.ts')
    strataModule = import(pathToFileURL(entry).href)
  }
  return strataModule
}

/**
 * Loads a user's TypeScript or JavaScript module — `strata.config.ts`, feature definitions —
 * compiling TypeScript on the fly, afresh on every call (an edited file is seen by a long-lived
 * process). `import … from 'strata-ml'` inside it resolves to the running Strata, whether or not
 * the project installed the package. A file that fails to load is `INVALID_ARGUMENT` naming the
 * file and the first line of the cause.
 *
 * @example
 * const config = await importUserModule('/work/project/strata.config.ts')
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  try {
    const [{ createJiti }, strata] = await Promise.all([import('jiti'), runningStrata()])
    const jiti = createJiti(import.meta.url, { moduleCache: false, virtualModules: { 'strata-ml': strata } })
    return (await jiti.import(file)) as Record<string, unknown>
  } catch (err) {
    // A definition that refuses itself (a graph check, a bad name) already says what is wrong.
    if (isStrataError(err)) throw err
    throw new StrataError('INVALID_ARGUMENT', `cannot load ${file}: ${errorMessage(err).split('\n')[0]}`, {
      cause: err,
    })
  }
}
