import { describe } from 'vitest'

/** The external services backend suites need, with the variable that points at each. */
export const TEST_SERVICES = {
  postgres: 'STRATA_TEST_POSTGRES_URL',
  redis: 'STRATA_TEST_REDIS_URL',
  s3: 'STRATA_TEST_S3_URL',
} as const

/** A service that backend suites can run against. */
export type TestService = keyof typeof TEST_SERVICES

/** The URL of a test service, or `undefined` when its variable is unset. */
export function testServiceUrl(service: TestService): string | undefined {
  const value = process.env[TEST_SERVICES[service]]
  return value === undefined || value === '' ? undefined : value
}

/**
 * `describe` for a suite that needs an external service. Locally, an unset URL skips the
 * suite with the reason in its name; with `CI=true` a missing URL fails the run instead,
 * because CI must execute every backend suite.
 *
 * @example
 * describeWithService('redis', 'RedisOnlineStore', (url) => { describeOnlineStore({ name: 'redis', create: () => … }) })
 */
export function describeWithService(service: TestService, name: string, body: (url: string) => void): void {
  const url = testServiceUrl(service)
  if (url !== undefined) {
    describe(name, () => body(url))
    return
  }
  const variable = TEST_SERVICES[service]
  if (process.env.CI === 'true') {
    throw new Error(`${name}: ${variable} is not set, and CI=true requires every backend suite to run`)
  }
  describe.skip(`${name} (skipped: ${variable} is not set)`, () => {
    body('')
  })
}
