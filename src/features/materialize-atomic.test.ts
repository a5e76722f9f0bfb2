import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  KILL_ENTITIES,
  type KillBackend,
  openKillOnline,
  openKillStore,
  writeGeneration,
} from '../../test/support/materialize-kill-child.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { testServiceUrl } from '../testing/services.js'

const CHILD = fileURLToPath(new URL('../../test/support/materialize-kill-child.ts', import.meta.url))
const KILLS = 6

const redisUrl = testServiceUrl('redis')
const backends: [string, () => KillBackend][] = [['sqlite', () => ({ kind: 'sqlite' })]]
if (redisUrl !== undefined) {
  backends.push([
    'redis',
    () => ({ kind: 'redis', url: redisUrl, keyPrefix: `strata-test:${randomUUID()}:` }),
  ])
} else if (process.env.CI === 'true') {
  throw new Error('materialize-atomic: STRATA_TEST_REDIS_URL is not set, and CI=true requires the Redis case')
}

const users = Array.from({ length: KILL_ENTITIES }, (_, i) => `u${i}`)
const items = Array.from({ length: KILL_ENTITIES }, (_, i) => i)

/** Every online value of both views: the set of generations found, and how many entities had none. */
async function onlineGenerations(dir: string, engine: DuckDbTableEngine, backend: KillBackend) {
  const online = openKillOnline(dir, backend)
  const { store, metadata } = await openKillStore(dir, engine, online)
  try {
    const now = Date.UTC(2024, 0, 1)
    const u = await store.getOnlineFeatures({ features: ['user_gen:gen'], entities: { user_id: users }, now })
    const i = await store.getOnlineFeatures({
      features: ['item_gen:gen', 'item_gen:label'],
      entities: { item_id: items },
      now,
    })
    const userGens = new Set(u.rows.map((r) => r.gen as number | null))
    const itemGens = new Set(i.rows.map((r) => r.gen as number | null))
    const labels = new Set(i.rows.map((r) => r.label as string | null))
    return { userGens, itemGens, labels }
  } finally {
    await online.close()
    await metadata.close()
  }
}

/** Starts the child at `startGen`; SIGKILLs it `delayMs` after its `afterWrites`-th online write begins. */
function runAndKill(
  dir: string,
  backend: KillBackend,
  startGen: number,
  afterWrites: number,
  delayMs: number,
): Promise<{ started: number; done: number }> {
  const script = `const { createJiti } = await import('jiti'); const jiti = createJiti(${JSON.stringify(import.meta.url)}); const m = await jiti.import(${JSON.stringify(CHILD)}); await m.runMaterializeKillChild()`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      KILL_CHILD_DIR: dir,
      KILL_CHILD_BACKEND: JSON.stringify(backend),
      KILL_CHILD_START_GEN: String(startGen),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let started = startGen - 1
  let done = 0
  let writes = 0
  let stderr = ''
  let buffer = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        const [what, n] = line.split(' ')
        if (what === 'start') started = Number(n)
        else if (what === 'done') done = Number(n)
        else if (what === 'write' && ++writes === afterWrites) {
          setTimeout(() => child.kill('SIGKILL'), delayMs)
        }
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}/${signal}: ${stderr}`))
      else resolve({ started, done })
    })
  })
}

describe.each(backends)('materialization is all or nothing per run (%s online store)', (_name, backendOf) => {
  let engine: DuckDbTableEngine
  let dir: string
  let backend: KillBackend
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 1 })
    dir = mkdtempSync(join(tmpdir(), 'strata-mat-atomic-'))
    backend = backendOf()
  })
  afterAll(async () => {
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a rejected view leaves every view of the run on its previous values, as the message says', async () => {
    const online = openKillOnline(dir, backend)
    const { store, metadata } = await openKillStore(dir, engine, online)
    try {
      await store.apply()
      await writeGeneration(engine, dir, 1)
      const first = await store.materialize()
      expect(first.map((r) => [r.view, r.written])).toEqual([
        ['user_gen', KILL_ENTITIES],
        ['item_gen', KILL_ENTITIES],
      ])
      // Generation 2: user_gen is fine, item_gen has one fractional int, in the last view.
      await writeGeneration(engine, dir, 2, 1234)
      const err = await strataRejection(store.materialize())
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(/feature view "item_gen": feature "gen" of entity item_id=1234 .*is 2.5/)
      expect(err.message).toMatch(/nothing was written$/)
    } finally {
      await online.close()
      await metadata.close()
    }
    // The message and the truth agree: neither view moved to generation 2.
    const after = await onlineGenerations(dir, engine, backend)
    expect(after.userGens).toEqual(new Set([1]))
    expect(after.itemGens).toEqual(new Set([1]))
    expect(after.labels).toEqual(new Set(['g1']))
  })

  it('SIGKILL at random points of a multi-view materialize leaves both views wholly on one run', {
    timeout: 900_000,
  }, async () => {
    // Generation 1 is already online (the test above); each child continues from the next.
    let next = 3
    let previous = 1
    for (let k = 0; k < KILLS; k++) {
      // Kill during the first or second run's online write, 0–40 ms after it begins.
      const afterWrites = 1 + (k % 2)
      const delayMs = Math.floor(Math.random() * 40)
      const { started, done } = await runAndKill(dir, backend, next, afterWrites, delayMs)
      const found = await onlineGenerations(dir, engine, backend)
      // One generation for every entity of both views: never half of a run, never two runs.
      expect(found.userGens.size, `kill ${k}: users hold ${[...found.userGens]}`).toBe(1)
      expect(found.itemGens, `kill ${k}`).toEqual(found.userGens)
      const [gen] = [...found.userGens] as [number]
      expect(found.labels).toEqual(new Set([`g${gen}`]))
      // The run in flight when killed either fully landed or not at all.
      expect([Math.max(done, previous), started]).toContain(gen)
      previous = gen
      next = started + 1
    }
  })
})
