import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { errorMessage, isStrataError, StrataError } from './errors.js'

const entries = new Map<string, Promise<unknown>>()

/**
 * This running copy of one of Strata's public entries (`index` or `training/index` under
 * `dist/`, or `src/` when run from source), loaded once. User modules get them for
 * `import … from 'strata-ml'` and `'strata-ml/training'`, so they share its classes
 * (`instanceof` holds) and nothing is compiled twice.
 */
function runningEntry(entry: string): Promise<unknown> {
  let loaded = entries.get(entry)
  if (loaded === undefined) {
    const here = dirname(fileURLToPath(import.meta.url))
    const built = resolve(here, '..', `${entry}.js`)
    const file = existsSync(built) ? built : resolve(here, '..', `${entry}.ts`)
    loaded = import(pathToFileURL(file).href)
    entries.set(entry, loaded)
  }
  return loaded
}

/**
 * Loads a user's TypeScript or JavaScript module — `strata.config.ts`, feature definitions —
 * compiling TypeScript on the fly, afresh on every call (an edited file is seen by a long-lived
 * process). `import … from 'strata-ml'` (and `'strata-ml/training'`) inside it resolves to the
 * running Strata, whether or not
 * the project installed the package. A file that fails to load is `INVALID_ARGUMENT` naming the
 * file and the first line of the cause.
 *
 * @example
 * const config = await importUserModule('/work/project/strata.config.ts')
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  try {
    const [{ createJiti }, strata, training] = await Promise.all([
      import('jiti'),
      runningEntry('index'),
      runningEntry('training/index'),
    ])
    const virtualModules = { 'strata-ml': strata, 'strata-ml/training': training }
    const jiti = createJiti(import.meta.url, { moduleCache: false, virtualModules })
    return (await jiti.import(file)) as Record<string, unknown>
  } catch (err) {
    // A definition that refuses itself (a graph check, a bad name) already says what is wrong.
    if (isStrataError(err)) throw err
    throw new StrataError('INVALID_ARGUMENT', `cannot load ${file}: ${errorMessage(err).split('\n')[0]}`, {
      cause: err,
    })
  }
}
