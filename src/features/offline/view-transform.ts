import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { StrataError } from '../../core/errors.js'
import type { Row, TableEngine } from '../../ports/index.js'
import type { FeatureType, FeatureView } from '../definitions/index.js'
import { isInvalid, toStoredValue, typeViolation } from '../definitions/index.js'
import { type JsonlColumn, JsonlTableWriter } from './jsonl-table.js'

/**
 * Runs a view's row-wise `transform` over every source row (streamed from DuckDB), checks each
 * output row against the declared types, and writes the rows as JSON Lines in `tempDir`.
 * Resolves a DuckDB relation over them and the file's path (the caller removes it). A throwing transform rejects with `USER_CODE` naming
 * the view and the row; a row of the wrong type with `INVALID_ARGUMENT` (see `typeViolation`).
 */
export async function transformToJsonl(
  engine: TableEngine,
  view: FeatureView,
  source: string,
  tempDir: string,
): Promise<{ relation: string; path: string }> {
  const transform = view.transform
  if (transform === undefined)
    throw new StrataError('INTERNAL', `feature view "${view.name}" has no transform`)
  const columns: (JsonlColumn & { role: 'join key' | 'timestamp' | 'feature' })[] = [
    ...view.joinKeys.map((k) => ({
      name: k,
      type: (view.keyTypes[k] === 'int' ? 'int' : 'string') as FeatureType,
      role: 'join key' as const,
    })),
    { name: view.timestamp, type: 'timestamp', role: 'timestamp' },
    ...Object.entries(view.features).map(([name, type]) => ({ name, type, role: 'feature' as const })),
  ]
  const writer = new JsonlTableWriter(join(tempDir, `transform-${view.name}-${randomUUID()}.jsonl`), columns)
  try {
    for await (const batch of engine.streamRows(`SELECT * FROM ${source}`)) {
      for (const input of batch) {
        let output: Row | null | undefined
        try {
          output = transform(input)
        } catch (err) {
          throw new StrataError(
            'USER_CODE',
            `feature view "${view.name}" transform threw on row ${writer.rows + 1}: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err, details: { view: view.name } },
          )
        }
        if (output === null || output === undefined) continue
        const stored: Record<string, unknown> = {}
        for (const c of columns) {
          const value = toStoredValue(c.type, output[c.name])
          if (isInvalid(value)) {
            throw typeViolation({
              view: view.name,
              feature: c.name,
              type: c.type,
              entity: Object.fromEntries(view.joinKeys.map((k) => [k, output[k]])),
              value: output[c.name],
              context: 'transform output',
              role: c.role,
            })
          }
          stored[c.name] = value
        }
        await writer.write(stored)
      }
    }
  } finally {
    await writer.close()
  }
  return { relation: writer.relation(), path: writer.path }
}
