import { open } from 'node:fs/promises'
import type { TableEngine } from '../../ports/index.js'
import type { LabelLookup } from './label-join.js'
import type { PredictionRecord } from './payload-types.js'

/**
 * The columns of the payload log as Parquet (exports and archived segments): one row per
 * prediction; JSON values (entity key, inputs, outputs, feature views, label) as JSON text.
 */
export const PAYLOAD_PARQUET_COLUMNS: Readonly<Record<string, string>> = {
  prediction_id: 'VARCHAR',
  at_ms: 'BIGINT',
  deployment: 'VARCHAR',
  model_name: 'VARCHAR',
  model_version: 'BIGINT',
  deployment_revision: 'VARCHAR',
  request_id: 'VARCHAR',
  entity_key: 'VARCHAR',
  inputs: 'VARCHAR',
  feature_views: 'VARCHAR',
  outputs: 'VARCHAR',
  latency_ms: 'DOUBLE',
  status: 'VARCHAR',
  error: 'VARCHAR',
  label: 'VARCHAR',
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v))

/** The SELECT list of a payload Parquet file: `at_ms` as the `time` timestamp, the rest as stored. */
export const PAYLOAD_SELECT = `prediction_id, epoch_ms(at_ms) AS "time", at_ms, deployment, model_name, model_version,
  deployment_revision, request_id, entity_key, inputs, feature_views, outputs, latency_ms, status, error, label`

/**
 * Writes records, page by page, as newline-delimited JSON to `ndjson` (with their labels from
 * `labels`, when given), and returns the rows written and a DuckDB relation reading them back
 * with the {@link PAYLOAD_PARQUET_COLUMNS} types.
 */
export async function writePayloadJson(
  pages: AsyncIterable<readonly PredictionRecord[]>,
  ndjson: string,
  labels?: LabelLookup,
): Promise<{ rows: number; relation: string }> {
  const out = await open(ndjson, 'w')
  let rows = 0
  try {
    for await (const page of pages) {
      if (page.length === 0) continue
      const found = labels === undefined ? new Map<string, unknown>() : await labels(page.map((r) => r.id))
      const lines = page.map((r) =>
        JSON.stringify({
          prediction_id: r.id,
          at_ms: r.at,
          deployment: r.endpoint,
          model_name: r.modelName,
          model_version: r.modelVersion,
          deployment_revision: r.deploymentRevision,
          request_id: r.requestId,
          entity_key: json(r.entityKey),
          inputs: json(r.inputs),
          feature_views: json(r.featureViews),
          outputs: json(r.outputs),
          latency_ms: r.latencyMs,
          status: r.status,
          error: r.error,
          label: json(found.get(r.id)),
        }),
      )
      await out.write(`${lines.join('\n')}\n`)
      rows += page.length
    }
  } finally {
    await out.close()
  }
  const columns = Object.entries(PAYLOAD_PARQUET_COLUMNS)
    .map(([n, t]) => `${n}: '${t}'`)
    .join(', ')
  return {
    rows,
    relation: `read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {${columns}})`,
  }
}

/** Writes the rows of `relation` (payload columns) to Parquet in time order, with `time` as a timestamp after the id. */
export async function writePayloadParquet(
  engine: TableEngine,
  relation: string,
  file: string,
): Promise<number> {
  const { rows } = await engine.writeParquet(
    `SELECT ${PAYLOAD_SELECT} FROM ${relation} ORDER BY at_ms, prediction_id`,
    file,
  )
  return rows
}
