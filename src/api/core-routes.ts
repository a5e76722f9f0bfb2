import type { StrataServices } from '../platform/index.js'
import { Router } from './router.js'

/** Routes every server has: health, version, and lineage queries under `/api`. */
export function coreRoutes(strata: StrataServices, version: string): Router {
  const router = new Router()
  router.get('/health', () => ({ status: 'ok', project: strata.config.project, version }))
  router.get('/lineage/:node/upstream', async (req) =>
    (await strata.lineage()).upstream(req.params.node ?? '', depthParam(req.query)),
  )
  router.get('/lineage/:node/downstream', async (req) =>
    (await strata.lineage()).downstream(req.params.node ?? '', depthParam(req.query)),
  )
  return router
}

function depthParam(query: URLSearchParams): number | undefined {
  const raw = query.get('depth')
  return raw === null ? undefined : Number(raw)
}
