import { StrataError } from '../../core/errors.js'
import { type Entity, isEntity } from './entity.js'
import { type FeatureService, isFeatureService, type ServiceItem } from './feature-service.js'
import { type FeatureView, isFeatureView } from './feature-view.js'
import { isOnDemandFeature, type OnDemandFeature } from './on-demand-feature.js'

/** Every kind of definition a project declares. */
export type FeatureDefinition = Entity | FeatureView | OnDemandFeature | FeatureService

/**
 * The definitions of one project, by name: entities, feature views, on-demand features and
 * services. Built from a module's exports (or any list); definitions reachable from others
 * (a view's entities, a service's views) are included even when not exported.
 */
export class FeatureCatalog {
  readonly entities = new Map<string, Entity>()
  readonly views = new Map<string, FeatureView>()
  readonly onDemand = new Map<string, OnDemandFeature>()
  readonly services = new Map<string, FeatureService>()

  /**
   * Collects definitions from values: definitions themselves, arrays of them, or a module
   * namespace / plain object whose values are (arrays of) definitions. Other values are ignored.
   */
  static from(values: Iterable<unknown> | Record<string, unknown>): FeatureCatalog {
    const catalog = new FeatureCatalog()
    const list = isIterable(values) ? [...values] : Object.values(values)
    const visit = (value: unknown, depth: number): void => {
      if (Array.isArray(value)) {
        for (const v of value) visit(v, depth)
        return
      }
      if (isEntity(value) || isFeatureView(value) || isOnDemandFeature(value) || isFeatureService(value)) {
        catalog.add(value)
        return
      }
      if (depth === 0 && isPlainObject(value)) for (const v of Object.values(value)) visit(v, depth + 1)
    }
    for (const v of list) visit(v, 0)
    return catalog
  }

  /** Adds a definition and everything it refers to; a different definition with a taken name is rejected. */
  add(def: FeatureDefinition): void {
    switch (def.kind) {
      case 'entity':
        put(this.entities, 'entity', def)
        return
      case 'feature-view':
        for (const e of def.entities) this.add(e)
        put(this.views, 'feature view', def)
        return
      case 'on-demand-feature':
        for (const s of def.features) this.add(s.view)
        if (this.views.has(def.name)) {
          throw new StrataError(
            'ALREADY_EXISTS',
            `on-demand feature "${def.name}" has the name of a feature view; rename one of them`,
          )
        }
        put(this.onDemand, 'on-demand feature', def)
        return
      case 'feature-service':
        for (const item of def.items) this.add(item.kind === 'feature-selection' ? item.view : item)
        put(this.services, 'feature service', def)
        return
    }
  }

  /** A feature view by name, or `NOT_FOUND` listing the known ones. */
  view(name: string): FeatureView {
    return get(this.views, 'feature view', name)
  }

  /** A feature service by name, or `NOT_FOUND` listing the known ones. */
  service(name: string): FeatureService {
    return get(this.services, 'feature service', name)
  }

  /** Every definition, entities first, then views, on-demand features and services. */
  all(): FeatureDefinition[] {
    return [
      ...this.entities.values(),
      ...this.views.values(),
      ...this.onDemand.values(),
      ...this.services.values(),
    ]
  }

  /** The service items a request names: a service (object or name), or refs / definitions. */
  itemsOf(request: {
    service?: FeatureService | string
    features?: readonly (string | ServiceItem)[]
  }): ServiceItem[] {
    if (request.service !== undefined && request.features !== undefined) {
      throw new StrataError('INVALID_ARGUMENT', 'pass either features or service, not both')
    }
    if (request.service !== undefined) {
      const service = typeof request.service === 'string' ? this.service(request.service) : request.service
      return [...service.items]
    }
    if (request.features === undefined || request.features.length === 0) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        'no features requested; pass features: ["view:feature", …] or service',
      )
    }
    return request.features.map((f) => (typeof f === 'string' ? this.parseRef(f) : f))
  }

  /** `view:feature`, `view:*` or an on-demand feature's name, as a service item. */
  parseRef(ref: string): ServiceItem {
    const colon = ref.indexOf(':')
    if (colon < 0) {
      const odfv = this.onDemand.get(ref)
      if (odfv !== undefined) return odfv
      throw new StrataError(
        'INVALID_ARGUMENT',
        `feature reference "${ref}" is invalid; use "view:feature", "view:*" or an on-demand feature name (${[...this.onDemand.keys()].join(', ') || 'none declared'})`,
      )
    }
    const viewName = ref.slice(0, colon)
    const feature = ref.slice(colon + 1)
    const odfv = this.onDemand.get(viewName)
    if (odfv !== undefined && (feature === viewName || feature === '*')) return odfv
    const view = this.view(viewName)
    if (feature === '*') return view
    if (!(feature in view.features)) {
      throw new StrataError(
        'NOT_FOUND',
        `feature view "${viewName}" has no feature "${feature}"; it has ${Object.keys(view.features).join(', ')}`,
      )
    }
    return view.select(feature)
  }
}

function put<T extends { name: string }>(map: Map<string, T>, what: string, def: T): void {
  const existing = map.get(def.name)
  if (existing !== undefined && existing !== def) {
    throw new StrataError(
      'ALREADY_EXISTS',
      `two different ${what} definitions are named "${def.name}"; names must be unique in a project`,
    )
  }
  map.set(def.name, def)
}

function get<T>(map: Map<string, T>, what: string, name: string): T {
  const found = map.get(name)
  if (found === undefined) {
    const known = [...map.keys()]
    throw new StrataError(
      'NOT_FOUND',
      `${what} "${name}" is not defined; known: ${known.length === 0 ? 'none' : known.join(', ')}`,
    )
  }
  return found
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
