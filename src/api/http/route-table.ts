import type { FastifyInstance } from 'fastify'

/** One route an app serves: its method and path pattern (`/api/runs/:id`). */
export interface RouteEntry {
  method: string
  url: string
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>()

/**
 * Records every route registered on `app` and its plugins from now on, for
 * {@link routeTable}: the security suite walks it so that a new route is covered without
 * anyone listing it, and the scope check refuses to start on a route no scope rule classifies.
 */
export function useRouteTable(app: FastifyInstance): void {
  const entries: RouteEntry[] = []
  tables.set(app, entries)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) entries.push({ method, url: route.url })
  })
}

/** Every route registered on `app` (see {@link useRouteTable}); empty for an app without the table. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? []
}
