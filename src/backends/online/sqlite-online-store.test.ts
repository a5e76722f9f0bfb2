import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeOnlineStore } from '../../testing/online-store.suite.js'
import { SqliteOnlineStore } from './sqlite-online-store.js'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-online-sqlite-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describeOnlineStore({
  name: 'sqlite',
  create: () => new SqliteOnlineStore({ path: join(dir, 'nested', 'online.db') }),
  createWithClock: (now) => new SqliteOnlineStore({ path: join(dir, 'nested', 'online.db'), now }),
})
describeOnlineStore({
  name: 'sqlite :memory:',
  create: () => new SqliteOnlineStore({ path: ':memory:' }),
  createWithClock: (now) => new SqliteOnlineStore({ path: ':memory:', now }),
})

describe('SqliteOnlineStore', () => {
  it('sqlite: keeps records in the file across reopening, creating its parent directory', async () => {
    const path = join(dir, 'a', 'b', 'online.db')
    const first = new SqliteOnlineStore({ path })
    await first.write('ns', [{ entityKey: 'SFO', field: 'f', value: { x: 1 }, eventTime: 5 }])
    await first.close()
    expect((await stat(path)).isFile()).toBe(true)
    const second = new SqliteOnlineStore({ path })
    expect(await second.read('ns', ['SFO'])).toEqual([{ f: { value: { x: 1 }, eventTime: 5 } }])
    await second.close()
  })

  it('sqlite: rejects use after close with FAILED_PRECONDITION', async () => {
    const store = new SqliteOnlineStore({ path: ':memory:' })
    await store.close()
    await expect(store.read('ns', ['a'])).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' })
  })

  it('sqlite: purges expired rows on a later write, keeping live ones', async () => {
    const path = join(dir, 'purge.db')
    let now = Date.now()
    const store = new SqliteOnlineStore({ path, now: () => now })
    await store.write('ns', [
      { entityKey: 'e', field: 'expiring', value: 1, eventTime: 1, expiresAt: now + 3_600_000 },
      { entityKey: 'e', field: 'forever', value: 2, eventTime: 1 },
    ])
    now += 7_200_000
    await store.write('other', [{ entityKey: 'x', field: 'f', value: 3, eventTime: 1 }])
    const raw = new Database(path, { readonly: true })
    const rows = raw.prepare('SELECT namespace, entity_key, field FROM online_fields ORDER BY 1, 2, 3').all()
    raw.close()
    await store.close()
    expect(rows).toEqual([
      { namespace: 'ns', entity_key: 'e', field: 'forever' },
      { namespace: 'other', entity_key: 'x', field: 'f' },
    ])
  })
})
