import { expect, it } from 'vitest'
import { registerChallengers } from '../../../test/support/delivery-models.js'
import { tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'

// In-process CLI calls load the config through jiti: seconds each on a loaded machine.
it('strata deploy: create, status, history, pause, resume, promote, rollback, abort, with --json and one-line errors', async () => {
  await using project = await tempProject('strata-deploy-cli-')
  expect((await project.cli('init')).code).toBe(0)
  {
    await using strata = await openStrata({ cwd: project.dir })
    await registerChallengers(await strata.registry())
  }
  const created = await project.cli('deploy', 'create', 'flight-delay', '--model', 'linear', '--json')
  expect(created.code, created.stderr).toBe(0)
  expect(created.json()).toMatchObject({
    name: 'flight-delay',
    revision: 1,
    policy: { champion: 1, status: 'serving' },
  })

  const bad = await project.cli(
    'deploy',
    'create',
    'flight-delay',
    '--candidate',
    '2',
    '--strategy',
    'ab',
    '--split',
    '1=80,2=10',
    '--sticky-header',
    'x-user',
  )
  expect(bad.code).not.toBe(0)
  expect(bad.stderr.trim().split('\n')).toHaveLength(1)
  expect(bad.stderr).toContain('sum to 90; they must sum to 100')
  const guard = await project.cli('deploy', 'create', 'flight-delay', '--candidate', '2', '--guard', 'p95<=3')
  expect(guard.stderr).toContain('guard metric "p95" does not exist')

  const canary = await project.cli(
    'deploy',
    'create',
    'flight-delay',
    '--candidate',
    '2',
    '--steps',
    '5,25,50,100',
    '--interval',
    '30s',
    '--guard',
    'error_rate<=0.02@200',
    'latency_p99_ratio<=1.5@200',
    '--reason',
    'retrained on May',
    '--json',
  )
  expect(canary.code, canary.stderr).toBe(0)
  expect(canary.json()).toMatchObject({
    revision: 2,
    weight: 5,
    policy: { strategy: 'canary', intervalMs: 30_000, candidate: 2 },
  })
  const status = await project.cli('deploy', 'status', 'flight-delay')
  expect(status.stdout).toContain(
    'canary of version 2: progressing, step 1 of 4 (5 → 25 → 50 → 100 %), candidate share 5 %',
  )
  expect(status.stdout).toContain('guards: error_rate<=0.02@200, latency_p99_ratio<=1.5@200; interval 30.0 s')
  expect((await project.cli('deploy', 'pause', 'flight-delay', '--json')).json()).toMatchObject({
    policy: { status: 'paused' },
  })
  expect((await project.cli('deploy', 'resume', 'flight-delay', '--json')).json()).toMatchObject({
    policy: { status: 'progressing' },
  })
  const promoted = await project.cli('deploy', 'promote', 'flight-delay', '--reason', 'looks good', '--json')
  expect(promoted.json()).toMatchObject({ policy: { champion: 2, previous: 1, status: 'promoted' } })
  const rolled = await project.cli('deploy', 'rollback', 'flight-delay', '--json')
  expect(rolled.json()).toMatchObject({ policy: { champion: 1, status: 'rolled-back' } })
  const none = await project.cli('deploy', 'abort', 'flight-delay')
  expect(none.code).not.toBe(0)
  expect(none.stderr).toContain('has no rollout to abort (status rolled-back)')

  const history = await project.cli('deploy', 'history', 'flight-delay', '--json')
  const h = history.json<{ revisions: { action: string }[]; decisions: { action: string }[] }>()
  expect(h.revisions.map((r) => r.action)).toEqual([
    'create',
    'create',
    'pause',
    'resume',
    'promote',
    'rollback',
  ])
  const text = await project.cli('deploy', 'history', 'flight-delay')
  expect(text.stdout).toContain('retrained on May')
  // times as every command shows them (UTC, to the second); ISO only in --json
  expect(text.stdout).toMatch(/ at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d /)
  expect(`${text.stdout}${status.stdout}`).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/)
  const list = await project.cli('deploy', 'status', '--json')
  expect(list.json<unknown[]>()).toHaveLength(1)
  {
    await using strata = await openStrata({ cwd: project.dir })
    expect((await (await strata.registry()).getVersionByAlias('linear', 'champion')).version).toBe(1)
  }
}, 300_000)
