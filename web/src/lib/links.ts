import { href } from './router.js'

/** The page of a lineage node (`kind:id`), when the UI has one. */
export function nodePage(nodeId: string): string | null {
  const colon = nodeId.indexOf(':')
  if (colon < 0) return null
  const kind = nodeId.slice(0, colon)
  const id = nodeId.slice(colon + 1)
  switch (kind) {
    case 'run':
      return href(['runs', id])
    case 'model-version': {
      const slash = id.lastIndexOf('/')
      return slash < 0 ? null : href(['models', id.slice(0, slash), 'versions', id.slice(slash + 1)])
    }
    case 'dataset-commit':
      return href(['commits', id])
    case 'feature-view-version': {
      const slash = id.lastIndexOf('/')
      return href(['features', 'views', slash < 0 ? id : id.slice(0, slash)])
    }
    case 'pipeline-run':
      return href(['pipeline-runs', id])
    case 'deployment': {
      const slash = id.lastIndexOf('/')
      return href(['deployments', slash < 0 ? id : id.slice(0, slash)])
    }
    default:
      return null
  }
}

/** The lineage page centred on a node. */
export function lineageLink(nodeId: string): string {
  return href(['lineage', nodeId])
}

/** A run's page (with its experiment when known, as MLflow links it). */
export function runLink(runId: string, experimentId?: string): string {
  return experimentId === undefined
    ? href(['runs', runId])
    : href(['experiments', experimentId, 'runs', runId])
}
