import type { REST_API } from '../core/rest/index.js'

/** The REST contract's type: route groups, each a record of routes. */
export type RestApi = typeof REST_API

/** The method and path of every contract route, checked against the contract by the compiler. */
type RouteTable = {
  readonly [G in keyof RestApi]?: {
    readonly [K in keyof RestApi[G]]?: RestApi[G][K] extends { method: infer M; path: infer P }
      ? { readonly method: M; readonly path: P }
      : never
  }
}

/**
 * The method and path of each route the client calls — data only, so the browser bundle does
 * not carry the contract's zod schemas. `satisfies RouteTable` makes the compiler check every
 * entry against `REST_API` in `src/core/rest/`: a route renamed, moved or given another method
 * there fails `npm run typecheck` here (and `routes.test.ts` checks the same at run time).
 */
export const ROUTES = {
  server: {
    health: { method: 'GET', path: '/api/health' },
    session: { method: 'GET', path: '/api/session' },
    upstream: { method: 'GET', path: '/api/lineage/:node/upstream' },
    downstream: { method: 'GET', path: '/api/lineage/:node/downstream' },
  },
  experiments: {
    search: { method: 'GET', path: '/api/experiments' },
    get: { method: 'GET', path: '/api/experiments/:id' },
  },
  runs: {
    list: { method: 'GET', path: '/api/runs' },
    search: { method: 'POST', path: '/api/runs/search' },
    get: { method: 'GET', path: '/api/runs/:id' },
    metricHistory: { method: 'GET', path: '/api/runs/:id/metrics/:key' },
    sampledHistory: { method: 'GET', path: '/api/metric-history/:key' },
    listArtifacts: { method: 'GET', path: '/api/runs/:id/artifacts' },
    getArtifact: { method: 'GET', path: '/api/runs/:id/artifacts/*' },
    compare: { method: 'GET', path: '/api/runs/:id/compare' },
  },
  models: {
    search: { method: 'GET', path: '/api/models' },
    get: { method: 'GET', path: '/api/models/:name' },
    listVersions: { method: 'GET', path: '/api/models/:name/versions' },
    getVersion: { method: 'GET', path: '/api/models/:name/versions/:version' },
    getFile: { method: 'GET', path: '/api/models/:name/versions/:version/files/*' },
    aliasHistory: { method: 'GET', path: '/api/models/:name/aliases' },
  },
  data: {
    list: { method: 'GET', path: '/api/datasets' },
    get: { method: 'GET', path: '/api/datasets/:name' },
    log: { method: 'GET', path: '/api/datasets/:name/log' },
    files: { method: 'GET', path: '/api/datasets/:name/refs/:ref/files' },
    preview: { method: 'GET', path: '/api/datasets/:name/refs/:ref/preview' },
    diff: { method: 'GET', path: '/api/datasets/:name/diff' },
    commit: { method: 'GET', path: '/api/commits/:id' },
  },
  features: {
    online: { method: 'POST', path: '/features/online' },
    inventory: { method: 'GET', path: '/api/features' },
    versions: { method: 'GET', path: '/api/features/:kind/:name/versions' },
  },
  deployments: {
    list: { method: 'GET', path: '/api/deployments' },
    get: { method: 'GET', path: '/api/deployments/:name' },
    history: { method: 'GET', path: '/api/deployments/:name/history' },
  },
  pipelines: {
    list: { method: 'GET', path: '/api/pipelines' },
    runs: { method: 'GET', path: '/api/pipeline-runs' },
    run: { method: 'GET', path: '/api/pipeline-runs/:id' },
    logs: { method: 'GET', path: '/api/pipeline-runs/:id/logs' },
  },
  monitoring: {
    list: { method: 'GET', path: '/api/monitors' },
    history: { method: 'GET', path: '/api/monitors/:name/history' },
    report: { method: 'GET', path: '/api/monitors/:name/report' },
    loops: { method: 'GET', path: '/api/monitoring/loops' },
  },
} as const satisfies RouteTable

/** The route groups the client knows. */
export type ClientGroup = keyof typeof ROUTES
/** The routes of one group the client knows. */
export type ClientRouteName<G extends ClientGroup> = keyof (typeof ROUTES)[G] & keyof RestApi[G]
