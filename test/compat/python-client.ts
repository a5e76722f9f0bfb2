import { existsSync } from 'node:fs'
import { describe } from 'vitest'

/** A pinned Python client venv, named by the environment variable that holds its python. */
export interface PythonClient {
  /** The python executable, or `undefined` when the variable is unset or empty. */
  python: string | undefined
  /**
   * `describe` when the client is there; without it a skip that says how to get it locally,
   * and under `CI=true` a failure (the real-client tests must run in CI).
   */
  describe(name: string, body: () => void): void
}

/**
 * The client of `variable`, built by `scripts/python-env.sh <profileFlag>`.
 *
 * @example
 * const triton = pythonClient('STRATA_TEST_PYTHON_SERVING', '--serving')
 * triton.describe('tritonclient against strata server', () => { … })
 */
export function pythonClient(variable: string, profileFlag = ''): PythonClient {
  const value = process.env[variable]
  const python = value === '' ? undefined : value
  const build = `scripts/python-env.sh${profileFlag === '' ? '' : ` ${profileFlag}`}`
  return {
    python,
    describe(name, body) {
      if (python !== undefined) {
        if (!existsSync(python))
          throw new Error(`${name}: ${variable}=${python} does not exist; run ${build}`)
        describe(name, body)
        return
      }
      if (process.env.CI === 'true') {
        throw new Error(
          `${name}: ${variable} is not set, and CI=true requires the real-client tests to run; ` +
            `set it with: export ${variable}=$(${build})`,
        )
      }
      describe.skip(`${name} (skipped: ${variable} is not set; export ${variable}=$(${build}))`, body)
    },
  }
}
