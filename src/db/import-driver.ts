import { StrataError } from '../core/errors.js'

/**
 * Imports an optional driver package, failing with a message that names the package and the
 * URI scheme that needs it when it is not installed.
 */
export async function importDriver<T>(pkg: string, scheme: string): Promise<T> {
  try {
    return (await import(pkg)) as T
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the "${scheme}" backend needs the npm package "${pkg}", which is not installed; run: npm install ${pkg}`,
        { cause: err },
      )
    }
    throw err
  }
}
