import { expect, it } from 'vitest'
import { parseBackendUri, redactUri, uriLocalPath } from './backend-uri.js'
import { DEFAULT_BACKENDS, resolveConfig } from './config.js'
import { isStrataError } from './errors.js'

it('applies defaults, then the config, then environment overrides', () => {
  const resolved = resolveConfig(
    { blobs: 's3://ml/strata', online: 'redis://localhost:6379' },
    { root: '/p', env: { STRATA_ONLINE_URL: 'memory:' } },
  )
  expect(resolved.metadata).toBe(DEFAULT_BACKENDS.metadata)
  expect(resolved.blobs).toBe('s3://ml/strata')
  expect(resolved.online).toBe('memory:')
  expect(resolved.sources).toEqual({
    metadata: 'default',
    blobs: 'config',
    online: 'env',
    offline: 'default',
  })
  expect(resolved.project).toBe('p')
})

it('rejects unknown keys and wrong types naming the key', () => {
  const unknown = (() => {
    try {
      resolveConfig({ metadta: 'x' }, { root: '/p', configFile: '/p/strata.config.ts', env: {} })
    } catch (err) {
      return err
    }
  })()
  expect(isStrataError(unknown, 'INVALID_ARGUMENT')).toBe(true)
  expect((unknown as Error).message).toContain('/p/strata.config.ts')
  expect((unknown as Error).message).toContain('metadata')
  expect(() => resolveConfig({ blobs: 42 }, { root: '/p', env: {} })).toThrow(/"blobs"/)
})

it('parses backend URIs and resolves local paths against the root', () => {
  expect(parseBackendUri('metadata', 'sqlite:.strata/meta.db').scheme).toBe('sqlite')
  expect(uriLocalPath(parseBackendUri('metadata', 'sqlite:.strata/meta.db'), '/p')).toBe('/p/.strata/meta.db')
  expect(uriLocalPath(parseBackendUri('blobs', 'file:///data/blobs'), '/p')).toBe('/data/blobs')
  expect(uriLocalPath(parseBackendUri('offline', 'duckdb:'), '/p')).toBe(':memory:')
  expect(() => parseBackendUri('blobs', '.strata/blobs')).toThrow(/blobs = "\.strata\/blobs" is not a URI/)
  expect(redactUri('postgres://me:secret@db:5432/x')).toBe('postgres://me:***@db:5432/x')
})
