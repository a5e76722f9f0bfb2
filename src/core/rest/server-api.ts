import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { queryInt } from './rest-schemas.js'

/** A node of the lineage graph (`kind:id`). */
export const lineageNodeSchema = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string().nullable(),
  createdAt: z.number(),
  depth: z.number().optional().describe('distance from the queried node'),
})

/** A subgraph returned by a lineage traversal. */
export const lineageGraphSchema = z
  .object({
    root: z.string(),
    nodes: z.array(lineageNodeSchema),
    edges: z.array(z.object({ from: z.string(), to: z.string(), activity: z.string(), at: z.number() })),
  })
  .meta({ id: 'LineageGraph' })

/**
 * One server-sent event of `GET /api/events` (the `data:` line, JSON): a write the server
 * answered successfully, so a live view refetches what the path names.
 */
export const changeEventSchema = z
  .object({
    type: z.literal('change'),
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
    /** The request path, without the query string. */
    path: z.string(),
    status: z.number(),
    /** Who made the change (the request's principal). */
    principal: z.string(),
    requestId: z.string(),
    at: z.number(),
  })
  .meta({ id: 'ChangeEvent' })

const lineageRoute = (direction: 'upstream' | 'downstream') =>
  defineRoute({
    method: 'GET',
    path: `/api/lineage/:node/${direction}`,
    tag: 'lineage',
    summary:
      direction === 'upstream'
        ? 'What a node was produced from, transitively'
        : 'What was produced from a node, transitively',
    params: z.object({ node: z.string().describe('node id, kind:id') }),
    query: z.object({ depth: queryInt }),
    response: lineageGraphSchema,
  })

/** Routes every server has: health, who am I, lineage, live events and the API's own description. */
export const serverApi = {
  health: defineRoute({
    method: 'GET',
    path: '/api/health',
    tag: 'server',
    summary: 'Liveness, with the project and server version',
    response: z.object({ status: z.literal('ok'), project: z.string(), version: z.string() }),
  }),
  session: defineRoute({
    method: 'GET',
    path: '/api/session',
    tag: 'server',
    summary:
      "Who the request acts as: the principal and, when a token authenticated it, the token's name (the web UI checks a token with it)",
    response: z.object({
      principal: z.string().describe('the acting principal'),
      token: z
        .string()
        .nullable()
        .describe('the name of the token that authenticated the request; null without tokens'),
    }),
  }),
  upstream: lineageRoute('upstream'),
  downstream: lineageRoute('downstream'),
  events: defineRoute({
    method: 'GET',
    path: '/api/events',
    tag: 'server',
    summary: 'Server-sent events: one `change` event (ChangeEvent JSON) per successful write',
    response: 'event-stream',
  }),
  openapi: defineRoute({
    method: 'GET',
    path: '/api/openapi.json',
    tag: 'server',
    summary: 'This document (OpenAPI 3.1)',
    response: z.record(z.string(), z.unknown()),
  }),
} as const
