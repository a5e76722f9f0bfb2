import { expect, it } from 'vitest'
import { isStrataError } from '../../src/core/errors.js'
import { lineageMigrations } from '../../src/data/lineage/index.js'
import { type MetadataDatabase, runMigrations } from '../../src/db/index.js'
import { pipeline, step } from '../../src/pipelines/index.js'
import { ModelRegistry, registryMigrations } from '../../src/registry/index.js'
import { describeMetadata } from '../../src/testing/metadata-fixture.js'
import { TrackingStore, trackingMigrations } from '../../src/tracking/index.js'
import { openTestPipelineEngine } from '../support/pipeline-engine.js'
import { testServiceContext } from '../support/service-context.js'

/**
 * The search language is one implementation (src/db/search) used through one schema per
 * searchable table. This file holds it to that: the same filter, escape, ordering, paging and
 * error cases run over every searchable entity, on SQLite and Postgres. A new searchable table
 * adds one entry to ENTITIES.
 */

/** What a case may ask of a search. */
interface Request {
  filter?: string
  orderBy?: string[]
  maxResults?: number
  pageToken?: string
}

/** One searchable entity, seeded with {@link ITEMS}. */
interface Seeded {
  /** The attribute holding the item's name (`name`, or `run_name` for runs). */
  nameField: string
  search(request: Request): Promise<{ names: string[]; nextPageToken: string | undefined }>
}

interface Entity {
  label: string
  seed(metadata: MetadataDatabase, items: readonly Item[]): Promise<Seeded>
}

interface Item {
  name: string
  tags: Record<string, string>
}

const tagged = (name: string, kind?: string): Item => ({
  name,
  tags: { suite: 'search', ...(kind === undefined ? {} : { kind }) },
})

/** Names valid for every entity, chosen so that `_` vs `\_`, case and byte order all matter. */
const ITEMS: readonly Item[] = [
  tagged('a_b', 'x_1'),
  tagged('axb', 'xx1'),
  tagged('A_b'),
  tagged('a.b', 'Y'),
  tagged('B-1', 'y'),
  tagged('b-2'),
  tagged('ab', 'x%1'),
]

/** Every item by name in byte order (upper case before lower case, `.` before `_` before letters). */
const BY_NAME = ['A_b', 'B-1', 'a.b', 'a_b', 'ab', 'axb', 'b-2']

async function tracking(metadata: MetadataDatabase) {
  await runMigrations(metadata, [...lineageMigrations, ...trackingMigrations])
  const store = new TrackingStore(testServiceContext(metadata))
  return { store, experimentId: (await store.experiments.create('search-suite')).experimentId }
}

async function registry(metadata: MetadataDatabase) {
  await runMigrations(metadata, [...lineageMigrations, ...registryMigrations])
  return new ModelRegistry(testServiceContext(metadata))
}

const ENTITIES: Entity[] = [
  {
    label: 'pipeline runs',
    async seed(metadata, items) {
      const p = pipeline({ name: 'search-suite', steps: [step({ name: 'one', run: () => 1 })] })
      const { engine } = await openTestPipelineEngine(metadata, [p])
      for (const i of items) await engine.start('search-suite', { name: i.name, tags: i.tags })
      return {
        nameField: 'run_name',
        async search(request) {
          const page = await engine.search(request)
          return { names: page.items.map((r) => r.name), nextPageToken: page.nextPageToken }
        },
      }
    },
  },
  {
    label: 'experiments',
    async seed(metadata, items) {
      const { store } = await tracking(metadata)
      for (const i of items) await store.experiments.create(i.name, { tags: i.tags })
      return {
        nameField: 'name',
        async search(request) {
          const page = await store.experiments.search(request)
          return { names: page.items.map((e) => e.name), nextPageToken: page.nextPageToken }
        },
      }
    },
  },
  {
    label: 'runs',
    async seed(metadata, items) {
      const { store, experimentId } = await tracking(metadata)
      for (const i of items) await store.runs.create({ experimentId, runName: i.name, tags: i.tags })
      return {
        nameField: 'run_name',
        async search(request) {
          const page = await store.runs.search({ experimentIds: [experimentId], ...request })
          return { names: page.items.map((r) => r.info.runName), nextPageToken: page.nextPageToken }
        },
      }
    },
  },
  {
    label: 'logged models',
    async seed(metadata, items) {
      const { store, experimentId } = await tracking(metadata)
      for (const i of items) {
        const tags = Object.entries(i.tags).map(([key, value]) => ({ key, value }))
        await store.loggedModels.create({ experimentId, name: i.name, tags })
      }
      return {
        nameField: 'name',
        async search(request) {
          const page = await store.loggedModels.search({ experimentIds: [experimentId], ...request })
          return { names: page.items.map((m) => m.name), nextPageToken: page.nextPageToken }
        },
      }
    },
  },
  {
    label: 'registered models',
    async seed(metadata, items) {
      const models = await registry(metadata)
      for (const i of items) await models.createModel(i.name, { tags: i.tags })
      return {
        nameField: 'name',
        async search(request) {
          const page = await models.searchModels(request)
          return { names: page.items.map((m) => m.name), nextPageToken: page.nextPageToken ?? undefined }
        },
      }
    },
  },
  {
    label: 'model versions',
    async seed(metadata, items) {
      const models = await registry(metadata)
      for (const i of items) {
        await models.registerVersion(i.name, { flavor: 'external', source: `s3://b/${i.name}`, tags: i.tags })
      }
      return {
        nameField: 'name',
        async search(request) {
          const page = await models.searchVersions(request)
          return { names: page.items.map((v) => v.name), nextPageToken: page.nextPageToken ?? undefined }
        },
      }
    },
  },
]

/** Filters (`{name}` stands for the entity's name attribute) and the names each must find, by name. */
const FILTERS: [string, string[]][] = [
  ["{name} LIKE 'a\\_b'", ['a_b']],
  ["{name} LIKE 'a_b'", ['a.b', 'a_b', 'axb']],
  ["{name} ILIKE 'A\\_B'", ['A_b', 'a_b']],
  ["{name} LIKE 'a%'", ['a.b', 'a_b', 'ab', 'axb']],
  ["{name} ILIKE 'b%'", ['B-1', 'b-2']],
  ["{name} = 'B-1'", ['B-1']],
  ["{name} != 'a_b'", ['A_b', 'B-1', 'a.b', 'ab', 'axb', 'b-2']],
  ["{name} IN ('ab', 'B-1', 'zz')", ['B-1', 'ab']],
  ["{name} NOT IN ('ab', 'B-1')", ['A_b', 'a.b', 'a_b', 'axb', 'b-2']],
  ["tags.kind LIKE 'x\\%%'", ['ab']],
  ["tags.kind LIKE 'x\\_%'", ['a_b']],
  ["tags.kind LIKE 'x_1'", ['a_b', 'ab', 'axb']],
  ["tags.kind ILIKE 'y'", ['B-1', 'a.b']],
  ["tags.kind = 'y'", ['B-1']],
  ["tags.`kind` != 'y'", ['a.b', 'a_b', 'ab', 'axb']],
  ['tags.kind IS NULL', ['A_b', 'b-2']],
  ["tags.kind IS NOT NULL and {name} LIKE '%b'", ['a.b', 'a_b', 'ab', 'axb']],
]

/** Requests every entity must refuse with INVALID_ARGUMENT, and a word the message must contain. */
const REFUSED: [Request, string][] = [
  [{ filter: "{name} LIKE 'a\\'" }, 'escape character'],
  [{ filter: "colour = 'red'" }, 'unknown attribute "colour"'],
  [{ filter: '{name} = 3' }, 'quoted string'],
  [{ filter: "{name} = 'a' or {name} = 'b'" }, 'OR is not supported'],
  [{ orderBy: ['colour'] }, 'an attribute of'],
  [{ pageToken: 'garbage' }, 'invalid page token'],
  // The registry's former token format is not accepted: one format for every search.
  [{ pageToken: Buffer.from('{"o":2}').toString('base64url') }, 'invalid page token'],
  [{ maxResults: 0 }, "Invalid value 0 for parameter 'max_results' supplied"],
]

describeMetadata('search over every searchable entity', (openFresh) => {
  for (const entity of ENTITIES) {
    const open = async () => {
      const seeded = await entity.seed(await openFresh(), ITEMS)
      const scope = "tags.suite = 'search'"
      const withName = (text: string) => text.replaceAll('{name}', seeded.nameField)
      const names = async (request: Request) =>
        (
          await seeded.search({
            ...request,
            filter: request.filter ? `${scope} and ${withName(request.filter)}` : scope,
            orderBy: (request.orderBy ?? [`${seeded.nameField} ASC`]).map(withName),
          })
        ).names
      return { seeded, withName, names }
    }

    it(`${entity.label}: filters with LIKE escapes, ILIKE, IN and tags the same way`, async () => {
      const { names } = await open()
      for (const [filter, expected] of FILTERS) expect(await names({ filter }), filter).toEqual(expected)
    })

    it(`${entity.label}: orders names and tags in byte order, missing values last`, async () => {
      const { names } = await open()
      expect(await names({})).toEqual(BY_NAME)
      expect(await names({ orderBy: ['{name} DESC'] })).toEqual([...BY_NAME].reverse())
      const byKind = await names({ orderBy: ['tags.kind ASC'] })
      expect(byKind.slice(0, 5)).toEqual(['a.b', 'ab', 'a_b', 'axb', 'B-1'])
      expect(byKind.slice(5).sort()).toEqual(['A_b', 'b-2'])
      const byKindDesc = await names({ orderBy: ['tags.kind DESC', '{name} ASC'] })
      expect(byKindDesc).toEqual(['B-1', 'axb', 'a_b', 'ab', 'a.b', 'A_b', 'b-2'])
    })

    it(`${entity.label}: pages with one token format until the last page`, async () => {
      const { seeded } = await open()
      const pages: string[][] = []
      const tokens: string[] = []
      let pageToken: string | undefined
      do {
        const page = await seeded.search({
          filter: "tags.suite = 'search'",
          orderBy: [`${seeded.nameField} ASC`],
          maxResults: 3,
          ...(pageToken === undefined ? {} : { pageToken }),
        })
        pages.push(page.names)
        pageToken = page.nextPageToken
        if (pageToken !== undefined) tokens.push(pageToken)
      } while (pageToken !== undefined && pages.length < 10)
      expect(pages).toEqual([BY_NAME.slice(0, 3), BY_NAME.slice(3, 6), BY_NAME.slice(6)])
      expect(tokens.map((t) => JSON.parse(Buffer.from(t, 'base64').toString('utf8')))).toEqual([
        { offset: 3 },
        { offset: 6 },
      ])
    })

    it(`${entity.label}: refuses bad filters, orders, sizes and tokens with INVALID_ARGUMENT`, async () => {
      const { seeded, withName } = await open()
      for (const [request, message] of REFUSED) {
        const asked = {
          ...request,
          ...(request.filter === undefined ? {} : { filter: withName(request.filter) }),
        }
        const err = await seeded.search(asked).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(isStrataError(err, 'INVALID_ARGUMENT'), JSON.stringify(asked)).toBe(true)
        expect((err as Error).message, JSON.stringify(asked)).toContain(message)
      }
    })
  }
})
