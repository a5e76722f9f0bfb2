import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { queryInt, queryList, queryString } from './rest-schemas.js'

/** A dataset: a named, versioned collection of files. */
export const datasetSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schema: z
      .object({
        columns: z.array(
          z.object({
            name: z.string(),
            type: z.string(),
            nullable: z.boolean().optional(),
            min: z.number().optional(),
            max: z.number().optional(),
            enum: z.array(z.union([z.string(), z.number()])).optional(),
          }),
        ),
        allowExtraColumns: z.boolean().optional(),
      })
      .nullable()
      .describe('the declared schema its tables must satisfy'),
    defaultBranch: z.string(),
    createdAt: z.number(),
  })
  .meta({ id: 'Dataset' })

/** A branch or tag of a dataset. */
export const dataRefSchema = z
  .object({
    name: z.string(),
    kind: z.enum(['branch', 'tag']),
    commit: z.string().nullable().describe('null for a branch without commits yet'),
    updatedAt: z.number(),
  })
  .meta({ id: 'DataRef' })

/** An immutable snapshot of a dataset. */
export const dataCommitSchema = z
  .object({
    id: z.string(),
    dataset: z.string(),
    tree: z.string(),
    parents: z.array(z.string()),
    author: z.string(),
    message: z.string(),
    createdAt: z.number(),
    metadata: z.record(z.string(), z.string()),
    stats: z.object({
      files: z.number(),
      bytes: z.number(),
      added: z.number(),
      changed: z.number(),
      removed: z.number(),
    }),
  })
  .meta({ id: 'DataCommit' })

const tableSchema = z.object({
  format: z.string(),
  rows: z.number(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })),
})

/** A file of a commit, with its inferred table schema for tabular files. */
export const dataFileSchema = z
  .object({
    path: z.string(),
    object: z.string(),
    size: z.number(),
    contentType: z.string(),
    chunks: z.number().optional(),
    table: tableSchema.optional(),
  })
  .meta({ id: 'DataFile' })

const diffFile = z.object({
  path: z.string(),
  size: z.number(),
  object: z.string(),
  table: tableSchema.optional(),
})
const row = z.record(z.string(), z.unknown())

/** What changed between two commits: files, and schema and rows of tables. */
export const dataDiffSchema = z
  .object({
    dataset: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    added: z.array(diffFile),
    removed: z.array(diffFile),
    changed: z.array(
      z.object({
        path: z.string(),
        before: diffFile,
        after: diffFile,
        table: z
          .object({
            rowsBefore: z.number(),
            rowsAfter: z.number(),
            columnsAdded: z.array(z.string()),
            columnsRemoved: z.array(z.string()),
            typesChanged: z.array(z.object({ name: z.string(), before: z.string(), after: z.string() })),
            byKey: z
              .object({
                key: z.array(z.string()),
                added: z.number(),
                removed: z.number(),
                changed: z.number(),
                unchanged: z.number(),
                samples: z.object({
                  added: z.array(row),
                  removed: z.array(row),
                  changed: z.array(
                    z.object({ key: row, before: row, after: row, columns: z.array(z.string()) }),
                  ),
                }),
              })
              .optional(),
          })
          .optional(),
      }),
    ),
    summary: z.object({
      added: z.number(),
      removed: z.number(),
      changed: z.number(),
      bytesAdded: z.number(),
      bytesRemoved: z.number(),
    }),
  })
  .meta({ id: 'DataDiff' })

/** The first rows of a table. */
export const tablePreviewSchema = z
  .object({
    path: z.string(),
    commit: z.string(),
    format: z.string(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
    totalRows: z.number().nullable().describe('rows in the whole file, when the commit recorded its schema'),
  })
  .meta({ id: 'TablePreview' })

const nameParams = z.object({ name: z.string() })
const refParams = z.object({ name: z.string(), ref: z.string().describe('branch, tag or commit id') })

/** The versioned-data routes of Strata's REST API (`/api/datasets…`, `/api/commits/:id`); reads only. */
export const dataApi = {
  list: defineRoute({
    method: 'GET',
    path: '/api/datasets',
    tag: 'data',
    summary: 'Every dataset, by name',
    response: z.object({ items: z.array(datasetSchema) }),
  }),
  get: defineRoute({
    method: 'GET',
    path: '/api/datasets/:name',
    tag: 'data',
    summary: 'A dataset with its branches and tags',
    params: nameParams,
    response: z.object({ dataset: datasetSchema, refs: z.array(dataRefSchema) }),
  }),
  log: defineRoute({
    method: 'GET',
    path: '/api/datasets/:name/log',
    tag: 'data',
    summary: 'Commit history from a ref (default the default branch), newest first',
    params: nameParams,
    query: z.object({
      ref: queryString,
      path: queryList.describe('only commits changing these paths'),
      maxResults: queryInt,
    }),
    response: z.object({ items: z.array(dataCommitSchema) }),
  }),
  files: defineRoute({
    method: 'GET',
    path: '/api/datasets/:name/refs/:ref/files',
    tag: 'data',
    summary: "A commit's files (with table schemas), optionally under a prefix",
    params: refParams,
    query: z.object({ prefix: queryString }),
    response: z.object({ commit: dataCommitSchema, items: z.array(dataFileSchema) }),
  }),
  preview: defineRoute({
    method: 'GET',
    path: '/api/datasets/:name/refs/:ref/preview',
    tag: 'data',
    summary: 'The schema and first rows (default 50, at most 1,000) of a tabular file',
    params: refParams,
    query: z.object({ path: z.string().describe('the file in the dataset'), limit: queryInt }),
    response: tablePreviewSchema,
  }),
  diff: defineRoute({
    method: 'GET',
    path: '/api/datasets/:name/diff',
    tag: 'data',
    summary: 'What changed between two refs: files, and for tables schema, row counts and (with key) rows',
    params: nameParams,
    query: z.object({
      from: queryString.describe('the older ref; absent for "nothing" (every file added)'),
      to: z.string(),
      key: queryList.describe('key columns for a row-level diff of changed tables (repeat for more)'),
    }),
    response: dataDiffSchema,
  }),
  commit: defineRoute({
    method: 'GET',
    path: '/api/commits/:id',
    tag: 'data',
    summary: 'A dataset commit by its id (as lineage names it: dataset-commit:<id>)',
    params: z.object({ id: z.string() }),
    response: dataCommitSchema,
  }),
} as const
