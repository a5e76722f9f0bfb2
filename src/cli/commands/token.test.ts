import { expect, it } from 'vitest'

// In-process CLI calls load the config through jiti: seconds each on a loaded machine.
import { tempProject } from '../../../test/support/temp-project.js'
import { isLoopback } from '../../core/loopback.js'

it('creates, lists and revokes tokens; the secret is printed once and never listed', async () => {
  await using project = await tempProject('strata-token-cli-')
  expect((await project.cli('init')).code).toBe(0)
  const created = await project.cli(
    'token',
    'create',
    '--name',
    'ci',
    '--scopes',
    'read,write:tracking',
    '--json',
  )
  expect(created.code).toBe(0)
  const { token, name, scopes } = created.json<{ token: string; name: string; scopes: string[] }>()
  expect(name).toBe('ci')
  expect(scopes).toEqual(['read', 'write:tracking'])
  const list = await project.cli('token', 'list')
  expect(list.stdout).toContain('ci')
  expect(list.stdout).not.toContain(token)
  const bad = await project.cli('token', 'create', '--name', 'x', '--scopes', 'root')
  expect(bad.code).not.toBe(0)
  expect(bad.stderr).toContain('scope "root" is unknown; valid scopes: read,')
  expect((await project.cli('token', 'revoke', 'ci')).code).toBe(0)
  expect((await project.cli('token', 'list', '--json')).json()).toEqual([])
}, 300_000)

it('refuses to serve a non-loopback address without tokens unless --insecure', async () => {
  await using project = await tempProject('strata-token-cli-')
  expect((await project.cli('init')).code).toBe(0)
  const refused = await project.cli('server', '--host', '0.0.0.0', '--port', '0')
  expect(refused.code).not.toBe(0)
  expect(refused.stderr).toContain('refusing to serve on 0.0.0.0 without API tokens')
  expect(refused.stderr).toContain('--insecure')
  expect(isLoopback('127.0.0.1')).toBe(true)
  expect(isLoopback('127.8.0.1')).toBe(true)
  expect(isLoopback('::1')).toBe(true)
  expect(isLoopback('0.0.0.0')).toBe(false)
  expect(isLoopback('192.168.1.5')).toBe(false)
}, 120_000)
