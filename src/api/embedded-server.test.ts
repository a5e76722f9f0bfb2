import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { strataRejection } from '../../test/support/strata-error.js'
import { openStrata, type Strata } from '../platform/index.js'
import { startServer } from './embedded-server.js'

describe('startServer (strata-ml/server): strata server embedded in an open project', () => {
  let dir: string
  let strata: Strata
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-embedded-'))
    strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  })
  afterEach(async () => {
    await strata.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers over HTTP on a free loopback port, acting on the open project, and stops on close', async () => {
    const exp = await (await strata.tracking()).experiments.create('embedded')
    const server = await startServer(strata)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=embedded`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id).toBe(
      exp.experimentId,
    )
    await server.close()
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
  })

  it('refuses an address other machines reach while the project has no API token', async () => {
    const err = await strataRejection(startServer(strata, { host: '0.0.0.0' }))
    expect(err.code).toBe('FAILED_PRECONDITION')
    expect(err.message).toMatch(/on 0\.0\.0\.0 without API tokens.*127\.0\.0\.1/)
  })

  it('requires a token on every request once the project has one', async () => {
    const { token } = await (await strata.tokens()).create({ name: 'embedded-read', scopes: 'read' })
    const server = await startServer(strata)
    try {
      expect((await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=5`)).status).toBe(401)
      const ok = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=5`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(ok.status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
