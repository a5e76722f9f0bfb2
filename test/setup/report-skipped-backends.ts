import { TEST_SERVICES } from '../../src/testing/services.js'

/** Prints, once per test run, which backend suites were skipped because their service URL was unset. */
export default function setup(): () => void {
  return () => {
    const missing = Object.entries(TEST_SERVICES).filter(([, variable]) => !process.env[variable])
    if (missing.length === 0) {
      console.log('\nBackend suites: all external services configured (postgres, redis, s3).')
      return
    }
    console.log('\nBackend suites skipped:')
    for (const [service, variable] of missing) console.log(`  - ${service}: ${variable} is not set`)
  }
}
