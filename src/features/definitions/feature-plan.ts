import type { FeatureDefinition } from './feature-catalog.js'
import type { DefinitionSpec } from './feature-spec.js'
import { formatDuration } from './feature-types.js'
import { sourceAdapterForKind } from './sources/index.js'
import { stableJson } from './spec-hash.js'

/** One line of a plan: what `apply` would do to one definition. */
export interface PlanChange {
  kind: FeatureDefinition['kind']
  name: string
  action: 'create' | 'update' | 'remove' | 'unchanged'
  /** The registered version it replaces or removes. */
  fromVersion: number | null
  /** The version `apply` registers (`null` for remove/unchanged). */
  toVersion: number | null
  /** Human-readable differences. */
  changes: string[]
  /** True when consumers may break: a removed or retyped feature, changed keys, a removal. */
  breaking: boolean
}

/** The result of `plan`: every definition's change, in a stable order. */
export interface FeaturePlan {
  changes: PlanChange[]
  /** Whether anything would be registered or removed. */
  hasChanges: boolean
  hasBreakingChanges: boolean
}

type Spec = Record<string, unknown>

/** Lists the differences between a registered spec and a new one, flagging breaking ones. */
export function diffSpecs(
  kind: FeatureDefinition['kind'],
  before: Spec,
  after: Spec,
): { changes: string[]; breaking: boolean } {
  const changes: string[] = []
  let breaking = false
  const changed = (key: string) => stableJson(before[key]) !== stableJson(after[key])
  const flag = (text: string) => {
    changes.push(`${text} (breaking)`)
    breaking = true
  }
  if (kind === 'entity' || kind === 'feature-view') {
    if (changed('joinKeys') || changed('keyTypes')) {
      flag(`join keys ${show(before.joinKeys)} → ${show(after.joinKeys)}`)
    }
  }
  if (kind === 'feature-view') {
    const a = (before.features ?? {}) as Record<string, string>
    const b = (after.features ?? {}) as Record<string, string>
    for (const [f, t] of Object.entries(a)) {
      if (!(f in b)) flag(`removes feature ${f}`)
      else if (b[f] !== t) flag(`feature ${f}: ${t} → ${b[f]}`)
    }
    for (const [f, t] of Object.entries(b)) if (!(f in a)) changes.push(`adds feature ${f}: ${t}`)
    if (changed('timestamp')) flag(`timestamp column ${show(before.timestamp)} → ${show(after.timestamp)}`)
    if (changed('entities') && !changed('joinKeys')) changes.push('entities renamed')
    if (changed('source')) changes.push(`source ${showSource(before.source)} → ${showSource(after.source)}`)
    if (changed('sql')) changes.push('sql changed (data will be recomputed)')
    if (changed('transform')) changes.push('transform changed (data will be recomputed)')
    if (changed('ttlMs')) changes.push(`ttl ${showTtl(before.ttlMs)} → ${showTtl(after.ttlMs)}`)
    if (changed('online')) changes.push(`online ${show(before.online)} → ${show(after.online)}`)
  }
  if (kind === 'on-demand-feature') {
    if (changed('type')) flag(`type ${show(before.type)} → ${show(after.type)}`)
    if (changed('features') || changed('request')) changes.push('inputs changed')
    if (changed('fn')) changes.push('function changed')
  }
  if (kind === 'feature-service') {
    const names = (s: Spec) =>
      new Set(
        ((s.items ?? []) as { view?: string; features?: string[]; onDemand?: string }[]).flatMap((i) =>
          i.onDemand !== undefined ? [i.onDemand] : (i.features ?? []).map((f) => `${i.view}:${f}`),
        ),
      )
    const a = names(before)
    const b = names(after)
    for (const f of a) if (!b.has(f)) flag(`removes ${f}`)
    for (const f of b) if (!a.has(f)) changes.push(`adds ${f}`)
  }
  if (changed('description')) changes.push('description changed')
  if (changed('tags')) changes.push('tags changed')
  if (changes.length === 0) changes.push('definition text changed')
  return { changes, breaking }
}

/** Builds the plan from the registered specs (latest live versions) and the project's definitions. */
export function buildPlan(
  registered: ReadonlyMap<string, { version: number; specHash: string; spec: Spec }>,
  current: readonly DefinitionSpec[],
): FeaturePlan {
  const changes: PlanChange[] = []
  const seen = new Set<string>()
  for (const def of current) {
    const key = `${def.kind}/${def.name}`
    seen.add(key)
    const old = registered.get(key)
    if (old === undefined) {
      changes.push({
        kind: def.kind,
        name: def.name,
        action: 'create',
        fromVersion: null,
        toVersion: 1,
        changes: [summary(def)],
        breaking: false,
      })
    } else if (old.specHash === def.specHash) {
      changes.push({
        kind: def.kind,
        name: def.name,
        action: 'unchanged',
        fromVersion: old.version,
        toVersion: null,
        changes: [],
        breaking: false,
      })
    } else {
      const diff = diffSpecs(def.kind, old.spec, def.spec)
      changes.push({
        kind: def.kind,
        name: def.name,
        action: 'update',
        fromVersion: old.version,
        toVersion: old.version + 1,
        ...diff,
      })
    }
  }
  for (const [key, old] of registered) {
    if (seen.has(key)) continue
    const [kind, name] = key.split('/') as [FeatureDefinition['kind'], string]
    changes.push({
      kind,
      name,
      action: 'remove',
      fromVersion: old.version,
      toVersion: null,
      changes: ['removed from the project (breaking)'],
      breaking: true,
    })
  }
  const order = ['entity', 'feature-view', 'on-demand-feature', 'feature-service']
  changes.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name))
  return {
    changes,
    hasChanges: changes.some((c) => c.action !== 'unchanged'),
    hasBreakingChanges: changes.some((c) => c.breaking),
  }
}

/** Renders a plan for people, Terraform style. */
export function formatPlan(plan: FeaturePlan): string {
  const lines: string[] = []
  const sign = { create: '+', update: '~', remove: '-', unchanged: ' ' } as const
  for (const c of plan.changes) {
    if (c.action === 'unchanged') continue
    const version =
      c.action === 'create'
        ? `v${c.toVersion}`
        : c.action === 'update'
          ? `v${c.fromVersion} → v${c.toVersion}`
          : `v${c.fromVersion}`
    lines.push(`${sign[c.action]} ${c.kind} ${c.name} ${version}${c.breaking ? '  [BREAKING]' : ''}`)
    for (const text of c.changes) lines.push(`    ${text}`)
  }
  const unchanged = plan.changes.filter((c) => c.action === 'unchanged').length
  if (lines.length === 0) lines.push('No changes: the registry matches the definitions.')
  else if (unchanged > 0) lines.push(`(${unchanged} unchanged)`)
  return lines.join('\n')
}

function summary(def: DefinitionSpec): string {
  const s = def.spec
  switch (def.kind) {
    case 'entity':
      return `join keys ${show(s.joinKeys)}`
    case 'feature-view': {
      const n = Object.keys((s.features ?? {}) as object).length
      return `${n} ${n === 1 ? 'feature' : 'features'} from ${showSource(s.source)}, ttl ${showTtl(s.ttlMs)}`
    }
    case 'on-demand-feature':
      return `type ${String(s.type)}`
    case 'feature-service': {
      const n = ((s.items ?? []) as unknown[]).length
      return `${n} ${n === 1 ? 'item' : 'items'}`
    }
  }
}

function show(value: unknown): string {
  return stableJson(value)
}

function showTtl(value: unknown): string {
  return typeof value === 'number' ? formatDuration(value) : 'none'
}

function showSource(value: unknown): string {
  const s = (value ?? {}) as Record<string, string | null>
  return sourceAdapterForKind(s.kind)?.show(s) ?? show(value)
}
