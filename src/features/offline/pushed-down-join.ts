import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ownValue } from '../../core/own-property.js'
import type { TableEngine } from '../../ports/index.js'
import {
  type FeatureType,
  type FeatureView,
  ident,
  isInvalid,
  normalizeKey,
  type PitEntity,
  type SourceQuery,
  toStoredValue,
  typeViolation,
} from '../definitions/index.js'
import { JsonlTableWriter } from './jsonl-table.js'
import type { ExternalJoin } from './offline-retrieval.js'
import { ROW_COLUMN } from './point-in-time-join.js'

/**
 * A view's point-in-time join pushed down into its source (see `SourceQuery.pointInTimeJoin`),
 * as the retrieval sees it: the entity rows are read from DuckDB, joined where the data
 * lives, and come back as a DuckDB relation keyed by the row column, with the view's ttl
 * applied and every value checked against its declared type.
 */
export function pushedDownJoin(
  query: SourceQuery,
  view: FeatureView,
  engine: TableEngine,
  engineName: string,
): ExternalJoin {
  return {
    join: async ({ entityRows, features, tempDir }) => {
      const keys = view.joinKeys
      const entities: PitEntity[] = []
      const select = [ident(ROW_COLUMN), ...keys.map(ident), 'epoch_ms("__strata_ts") AS "__ts"']
      for await (const batch of engine.streamRows(`SELECT ${select.join(', ')} FROM ${entityRows}`)) {
        for (const r of batch) {
          entities.push({
            row: Number(r[ROW_COLUMN]),
            keys: keys.map((k) => normalizeKey(view.keyTypes[k] ?? 'string', r[k]) ?? null),
            ts: r.__ts === null || r.__ts === undefined ? null : Number(r.__ts),
          })
        }
      }
      const matches = await query.pointInTimeJoin({ entities, features: features.map((f) => f.column) })
      const byRow = new Map(entities.map((e) => [e.row, e]))
      const writer = new JsonlTableWriter(join(tempDir, `pushdown-${view.name}-${randomUUID()}.jsonl`), [
        { name: ROW_COLUMN, type: 'int' },
        ...features.map((f) => ({
          name: f.as,
          type: ownValue(view.features, f.column) ?? ('string' as FeatureType),
        })),
      ])
      try {
        for (const match of matches) {
          const entity = byRow.get(match.row)
          const t = match.eventTime
          const fresh =
            t !== null && entity?.ts != null && (view.ttlMs === null || t >= entity.ts - view.ttlMs)
          const out: Record<string, unknown> = { [ROW_COLUMN]: match.row }
          features.forEach((f, j) => {
            const type = ownValue(view.features, f.column) ?? 'string'
            out[f.as] = fresh
              ? checked(view, f.column, type, match.values[j], entity?.keys ?? [], engineName)
              : null
          })
          await writer.write(out)
        }
      } finally {
        await writer.close()
      }
      return writer.relation()
    },
  }
}

function checked(
  view: FeatureView,
  feature: string,
  type: FeatureType,
  value: unknown,
  keys: readonly unknown[],
  engineName: string,
): unknown {
  const stored = toStoredValue(type, value)
  if (isInvalid(stored)) {
    throw typeViolation({
      view: view.name,
      feature,
      type,
      entity: Object.fromEntries(view.joinKeys.map((k, i) => [k, keys[i]])),
      value,
      context: `point-in-time join in ${engineName}`,
    })
  }
  return stored
}
