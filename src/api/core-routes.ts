import { LineageGraphStore } from '../data/lineage/index.js'
import type { Strata } from '../platform/index.js'
import { Router } from './router.js'

/** Routes every server has: health, version, and lineage queries under `/api`. */
export function coreRoutes(strata: Strata, version: string): Router {
  const router = new Router()
  router.get('/health', () => ({ status: 'ok', project: strata.config.project, version }))
  router.get('/lineage/:node/upstream', async (req) => {
    const lineage = new LineageGraphStore(await strata.metadata())
    return lineage.upstream(req.params.node ?? '', depthParam(req.query))
  })
  router.get('/lineage/:node/downstream', async (req) => {
    const lineage = new LineageGraphStore(await strata.metadata())
    return lineage.downstream(req.params.node ?? '', depthParam(req.query))
  })
  return router
}

function depthParam(query: URLSearchParams): number | undefined {
  const raw = query.get('depth')
  return raw === null ? undefined : Number(raw)
}
