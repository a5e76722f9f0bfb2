import { z } from 'zod'
import { StrataError } from '../core/errors.js'
import { parseViewType, type Run, type TrackingStore } from '../tracking/index.js'
import type { Mount } from './api-app.js'
import { type ApiRequest, type RequestService, Router } from './router.js'

/** Parses a JSON body with a zod schema; a mismatch is `INVALID_ARGUMENT` naming the fields. */
export async function readBody<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await req.json())
  if (!parsed.success) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `invalid request body: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
    )
  }
  return parsed.data
}

/** Drops `undefined` values, so zod output fits options types under `exactOptionalPropertyTypes`. */
export function defined<T extends object>(obj: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}

/** A whole-number query parameter, or `undefined`; anything else is `INVALID_ARGUMENT`. */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name)
  if (raw === null || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isSafeInteger(n))
    throw new StrataError('INVALID_ARGUMENT', `query parameter ${name}="${raw}" must be a whole number`)
  return n
}

/** A query parameter as a string, or `undefined` when absent or empty. */
export function queryStr(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name)
  return raw === null || raw === '' ? undefined : raw
}

/** Streams a request body into storage (an empty body is zero bytes). */
export function bodyStream(req: ApiRequest): Uint8Array | AsyncIterable<Uint8Array> {
  const body = req.raw.body
  return body === null ? new Uint8Array() : (body as unknown as AsyncIterable<Uint8Array>)
}

/** A streamed binary response. */
export function streamResponse(stream: AsyncIterable<Uint8Array>, size?: number): Response {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
  if (size !== undefined) headers['content-length'] = String(size)
  return new Response(ReadableStream.from(stream) as unknown as ConstructorParameters<typeof Response>[0], {
    headers,
  })
}

const tags = z.record(z.string(), z.string())
// JSON has no NaN or Infinity: accept them spelled as strings, as MLflow's proto JSON does.
const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)])
const status = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'])
const searchBody = z.strictObject({
  experimentIds: z.array(z.string()).optional(),
  filter: z.string().optional(),
  orderBy: z.array(z.string()).optional(),
  view: z.enum(['active', 'deleted', 'all']).optional(),
  maxResults: z.number().int().optional(),
  pageToken: z.string().optional(),
})

/**
 * Strata's own tracking REST API (plain JSON, camelCase, the domain types as they are; see
 * docs/api.md): `/api/experiments…` and `/api/runs…`. Errors use the default
 * `{"error":{"code","message"}}` shape with the status from `HTTP_STATUS`.
 */
export function trackingMounts(tracking: RequestService<TrackingStore>): Mount[] {
  const experiments = new Router()
    .get('/', async (req) => {
      const t = await tracking(req)
      return t.experiments.search(
        defined({
          filter: queryStr(req.query, 'filter'),
          orderBy: req.query.getAll('orderBy'),
          viewType: parseViewType(queryStr(req.query, 'view')),
          maxResults: queryInt(req.query, 'maxResults'),
          pageToken: queryStr(req.query, 'pageToken'),
        }),
      )
    })
    .post('/', async (req) => {
      const b = await readBody(
        req,
        z.strictObject({ name: z.string(), artifactLocation: z.string().optional(), tags: tags.optional() }),
      )
      const exp = await (await tracking(req)).experiments.create(
        b.name,
        defined({ artifactLocation: b.artifactLocation, tags: b.tags }),
      )
      return new Response(JSON.stringify(exp), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      })
    })
    .get('/by-name/:name', async (req) => (await tracking(req)).experiments.getByName(req.params.name ?? ''))
    .get('/:id', async (req) => (await tracking(req)).experiments.get(req.params.id ?? ''))
    .patch('/:id', async (req) => {
      const b = await readBody(req, z.strictObject({ name: z.string() }))
      const t = await tracking(req)
      await t.experiments.rename(req.params.id ?? '', b.name)
      return t.experiments.get(req.params.id ?? '')
    })
    .delete('/:id', async (req) => {
      await (await tracking(req)).experiments.delete(req.params.id ?? '')
      return {}
    })
    .post('/:id/restore', async (req) => {
      const t = await tracking(req)
      await t.experiments.restore(req.params.id ?? '')
      return t.experiments.get(req.params.id ?? '')
    })
    .put('/:id/tags/:key', async (req) => {
      const b = await readBody(req, z.strictObject({ value: z.string() }))
      await (await tracking(req)).experiments.setTag(req.params.id ?? '', req.params.key ?? '', b.value)
      return {}
    })

  const runs = new Router()
    .get('/', async (req) => {
      const ids = req.query.getAll('experimentId')
      return (await tracking(req)).runs.search({
        ...defined({
          filter: queryStr(req.query, 'filter'),
          orderBy: req.query.getAll('orderBy'),
          maxResults: queryInt(req.query, 'maxResults'),
          pageToken: queryStr(req.query, 'pageToken'),
        }),
        experimentIds: ids.length > 0 ? ids : ['0'],
        viewType: parseViewType(queryStr(req.query, 'view')),
      })
    })
    .post('/search', async (req) => {
      const b = await readBody(req, searchBody)
      return (await tracking(req)).runs.search({
        ...defined({
          filter: b.filter,
          orderBy: b.orderBy,
          maxResults: b.maxResults,
          pageToken: b.pageToken,
        }),
        experimentIds: b.experimentIds ?? ['0'],
        viewType: b.view ?? 'active',
      })
    })
    .post('/', async (req) => {
      const b = await readBody(
        req,
        z.strictObject({
          experiment: z.string().optional(),
          experimentId: z.string().optional(),
          name: z.string().optional(),
          parentRunId: z.string().optional(),
          userId: z.string().optional(),
          tags: tags.optional(),
        }),
      )
      const t = await tracking(req)
      const handle = await t.startRun(
        defined({
          experiment: b.experiment,
          experimentId: b.experimentId,
          name: b.name,
          parent: b.parentRunId,
          userId: b.userId,
          tags: b.tags,
        }),
      )
      const run = await t.runs.get(handle.runId)
      return new Response(JSON.stringify(run), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      })
    })
    .get('/:id', async (req) => (await tracking(req)).runs.get(req.params.id ?? ''))
    .patch('/:id', async (req) => {
      const b = await readBody(
        req,
        z.strictObject({
          status: status.optional(),
          endTime: z.number().int().nullable().optional(),
          name: z.string().optional(),
        }),
      )
      return (await tracking(req)).runs.update(
        req.params.id ?? '',
        defined({ status: b.status, endTime: b.endTime, runName: b.name }),
      )
    })
    .post('/:id/end', async (req) => {
      const b = await readBody(req, z.strictObject({ status: status.optional() }))
      return (await tracking(req)).runs.end(req.params.id ?? '', b.status ?? 'FINISHED')
    })
    .delete('/:id', async (req) => {
      await (await tracking(req)).runs.delete(req.params.id ?? '')
      return {}
    })
    .post('/:id/restore', async (req) => {
      const t = await tracking(req)
      await t.runs.restore(req.params.id ?? '')
      return t.runs.get(req.params.id ?? '')
    })
    .post('/:id/log', async (req) => {
      const b = await readBody(
        req,
        z.strictObject({
          metrics: z
            .array(
              z.strictObject({
                key: z.string(),
                value: metricValue,
                step: z.number().int().optional(),
                timestamp: z.number().int().optional(),
              }),
            )
            .optional(),
          params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
          tags: tags.optional(),
        }),
      )
      await (await tracking(req)).runs.logBatch(req.params.id ?? '', {
        metrics: (b.metrics ?? []).map((m) => ({
          key: m.key,
          value: m.value,
          ...defined({ step: m.step, timestamp: m.timestamp }),
        })),
        params: Object.entries(b.params ?? {}).map(([key, value]) => ({ key, value: String(value) })),
        tags: Object.entries(b.tags ?? {}).map(([key, value]) => ({ key, value })),
      })
      return {}
    })
    .get('/:id/metrics/:key', async (req) =>
      (await tracking(req)).runs.metricHistory(
        req.params.id ?? '',
        req.params.key ?? '',
        defined({
          maxResults: queryInt(req.query, 'maxResults'),
          pageToken: queryStr(req.query, 'pageToken'),
        }),
      ),
    )
    .get('/:id/artifacts', async (req) =>
      (await tracking(req)).runs.listArtifacts(req.params.id ?? '', req.query.get('path') ?? ''),
    )
    .get('/:id/artifacts/*path', async (req) => {
      const t = await tracking(req)
      return streamResponse(await t.runs.openArtifact(req.params.id ?? '', req.params.path ?? ''))
    })
    .put('/:id/artifacts/*path', async (req) => {
      await (await tracking(req)).runs.logArtifact(
        req.params.id ?? '',
        req.params.path ?? '',
        bodyStream(req),
      )
      return {}
    })
    .get('/:id/compare', async (req) =>
      compareRuns(await tracking(req), [req.params.id ?? '', ...req.query.getAll('with')]),
    )

  return [
    { prefix: '/api/experiments', router: experiments },
    { prefix: '/api/runs', router: runs },
  ]
}

/** Params and latest metrics of several runs side by side: `{ runs, params: {key: {runId: value}}, metrics }`. */
async function compareRuns(tracking: TrackingStore, runIds: string[]) {
  const runs: Run[] = []
  for (const id of runIds) runs.push(await tracking.runs.get(id))
  const side = (pick: (r: Run) => Record<string, unknown>) => {
    const out: Record<string, Record<string, unknown>> = {}
    for (const r of runs) {
      for (const [k, v] of Object.entries(pick(r))) {
        const row = out[k] ?? {}
        row[r.info.runId] = v
        out[k] = row
      }
    }
    return out
  }
  return {
    runs: runs.map((r) => r.info),
    params: side((r) => r.data.params),
    metrics: side((r) => Object.fromEntries(Object.entries(r.data.metrics).map(([k, p]) => [k, p.value]))),
  }
}
