import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { generateRows, writeJsonLines } from '../../../test/support/drift-data.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import { tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'
import { computeDrift } from '../drift/dataset-drift.js'
import { profileValues } from '../profile/profile-values.js'
import { REFERENCE_TAG, referenceBinnings } from './reference-store.js'

it('a reference profile from a dataset commit is stored, linked to the model version, and drives drift without the rows', async () => {
  await using project = await tempProject()
  expect((await project.cli('init', '--bare')).code).toBe(0)
  await using strata = await openStrata({ cwd: project.dir })
  const rows = generateRows(
    3000,
    { fare: (_i, r) => r.normal(100, 20), carrier: (i) => ['AA', 'DL', 'UA'][i % 3] },
    3,
  )
  await mkdir(join(project.dir, 'train'), { recursive: true })
  await writeJsonLines(join(project.dir, 'train', 'train.jsonl'), rows)
  const data = await strata.data()
  await data.createDataset('flights-train')
  const commit = await data.commit('flights-train', {
    message: 'training rows',
    changes: [{ path: 'train.jsonl', source: join(project.dir, 'train', 'train.jsonl') }],
  })
  const registry = await strata.registry()
  await registry.registerVersion('delay', { source: 'file:/nowhere', flavor: 'external' })

  const monitoring = await strata.monitoring()
  const missing = await strataRejection(monitoring.references.get('delay', 1))
  expect(missing.code).toBe('NOT_FOUND')
  expect(missing.message).toMatch(/no reference profile; compute one with "strata monitor reference delay@1/)

  const stored = await monitoring.references.compute('delay', 1, {
    kind: 'dataset',
    dataset: 'flights-train',
    ref: 'main',
    path: 'train.jsonl',
  })
  expect(stored.profile.rows).toBe(3000)
  expect((await registry.getVersion('delay', 1)).tags[REFERENCE_TAG]).toBe('monitoring/references/delay/1')
  const lineage = await strata.lineage()
  const up = await lineage.path(`dataset-commit:${commit.id}`, 'reference-profile:delay/1')
  expect(up?.map((e) => e.activity)).toEqual(['profile'])

  // Read back: the profile and exact samples, then a window compared against them.
  const again = await monitoring.references.get('delay', 1)
  expect(again.profile).toEqual(stored.profile)
  const reference = await monitoring.references.samples(again)
  expect(reference.fare?.kind === 'numeric' ? reference.fare.values.length : 0).toBe(3000)
  const window = profileValues(
    {
      fare: { kind: 'numeric', values: rows.slice(0, 500).map((r) => (r.fare as number) + 15) },
      carrier: { kind: 'categorical', values: rows.slice(0, 500).map((r) => r.carrier) },
    },
    { binnings: referenceBinnings(again.profile) },
  )
  const drift = computeDrift(reference, window.samples)
  expect(drift.columns.map((c) => [c.column, c.test, c.drifted])).toEqual([
    ['fare', 'wasserstein', true],
    ['carrier', 'jensenshannon', false],
  ])
})
