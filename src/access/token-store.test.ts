import { expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { isStrataError } from '../core/errors.js'
import { runMigrations } from '../db/index.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { accessMigrations } from './access-migrations.js'
import { grants, parseScopes } from './scopes.js'
import { TokenStore } from './token-store.js'

describeMetadata('access tokens', (openFresh) => {
  const open = async (principal = 'admin-user') => {
    const md = await openFresh()
    await runMigrations(md, accessMigrations)
    return { md, tokens: new TokenStore(testServiceContext(md, { principal: { id: principal } })) }
  }

  it('creates a token shown once, stores only its sha256, verifies and revokes it', async () => {
    const { md, tokens } = await open()
    expect(await tokens.anyActive()).toBe(false)
    const { token, info } = await tokens.create({ name: 'ci', scopes: 'write:tracking,read' })
    expect(token).toMatch(/^strata_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    expect(info).toMatchObject({
      name: 'ci',
      principal: 'token:ci',
      scopes: ['read', 'write:tracking'],
      createdBy: 'admin-user',
    })
    const rows = await md.db
      .withTables<{ access_tokens: Record<string, unknown> }>()
      .selectFrom('access_tokens')
      .selectAll()
      .execute()
    expect(JSON.stringify(rows)).not.toContain(token.split('_')[2])
    expect(rows[0]?.secret_sha256).toMatch(/^[0-9a-f]{64}$/)

    expect(await tokens.anyActive()).toBe(true)
    expect((await tokens.verify(token))?.name).toBe('ci')
    expect(await tokens.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined()
    expect(await tokens.verify('Bearer nonsense')).toBeUndefined()

    const revoked = await tokens.revoke('ci')
    expect(revoked.revokedBy).toBe('admin-user')
    expect(await tokens.verify(token)).toBeUndefined()
    expect(await tokens.anyActive()).toBe(false)
    expect(await tokens.list()).toEqual([])
    expect((await tokens.list({ includeRevoked: true })).map((t) => t.name)).toEqual(['ci'])
  })

  it('keeps one active token per name, and lets a revoked name be reused', async () => {
    const { tokens } = await open()
    const first = await tokens.create({ name: 'deployer', scopes: ['deploy'], principal: 'release-bot' })
    expect(first.info.principal).toBe('release-bot')
    const dup = await tokens.create({ name: 'deployer', scopes: 'read' }).catch((e: unknown) => e)
    expect(isStrataError(dup, 'ALREADY_EXISTS')).toBe(true)
    await tokens.revoke(first.info.id)
    const second = await tokens.create({ name: 'deployer', scopes: 'read' })
    expect(second.info.id).not.toBe(first.info.id)
    const missing = await tokens.revoke('nope').catch((e: unknown) => e)
    expect(isStrataError(missing, 'NOT_FOUND')).toBe(true)
    expect((missing as Error).message).toContain('"nope"')
  })

  it('refuses bad names and scopes, naming them and what is valid', async () => {
    const { tokens } = await open()
    await expect(tokens.create({ name: 'a b', scopes: 'read' })).rejects.toThrow(
      /token name "a b" is invalid/,
    )
    await expect(tokens.create({ name: 'x', scopes: 'read,write:everything' })).rejects.toThrow(
      /scope "write:everything" is unknown; valid scopes: read, write:data/,
    )
    await expect(tokens.create({ name: 'x', scopes: '' })).rejects.toThrow(/at least one scope/)
  })
})

it('grants a scope held, and every scope to admin', () => {
  expect(grants(parseScopes('read'), 'read')).toBe(true)
  expect(grants(parseScopes('read'), 'write:data')).toBe(false)
  expect(grants(parseScopes('write:registry'), 'deploy')).toBe(false)
  expect(grants(parseScopes('admin'), 'deploy')).toBe(true)
})
