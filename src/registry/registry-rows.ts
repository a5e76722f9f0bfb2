import type { Kysely, Selectable } from 'kysely'
import type { ModelSignature } from './onnx/index.js'
import type { RegistryTables } from './registry-migrations.js'
import type {
  ModelFile,
  ModelFlavor,
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
} from './registry-types.js'

type Db = Kysely<RegistryTables>
type ModelRow = Selectable<RegistryTables['registry_models']>
type VersionRow = Selectable<RegistryTables['registry_versions']>

const CHUNK = 500

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

/** Registered models with their tags, aliases and latest version, in the order of `rows`. */
export async function loadModels(db: Db, rows: readonly ModelRow[]): Promise<RegisteredModel[]> {
  const names = rows.map((r) => r.name)
  const tags = new Map<string, Record<string, string>>()
  const aliases = new Map<string, Record<string, number>>()
  const latest = new Map<string, number>()
  for (const part of chunks(names)) {
    for (const t of await db
      .selectFrom('registry_model_tags')
      .selectAll()
      .where('model', 'in', part)
      .orderBy('key')
      .execute()) {
      const m = tags.get(t.model) ?? {}
      m[t.key] = t.value
      tags.set(t.model, m)
    }
    for (const a of await db
      .selectFrom('registry_aliases')
      .selectAll()
      .where('model', 'in', part)
      .orderBy('alias')
      .execute()) {
      const m = aliases.get(a.model) ?? {}
      m[a.alias] = Number(a.version)
      aliases.set(a.model, m)
    }
    const maxRows = await db
      .selectFrom('registry_versions')
      .select(['model', (eb) => eb.fn.max('version').as('latest')])
      .where('model', 'in', part)
      .groupBy('model')
      .execute()
    for (const r of maxRows) if (r.latest !== null) latest.set(r.model, Number(r.latest))
  }
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    tags: tags.get(r.name) ?? {},
    aliases: aliases.get(r.name) ?? {},
    latestVersion: latest.get(r.name) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    createdBy: r.created_by,
  }))
}

/** Model versions with their tags and aliases, in the order of `rows`. */
export async function loadVersions(db: Db, rows: readonly VersionRow[]): Promise<ModelVersion[]> {
  const key = (model: string, version: number) => `${model}\u0000${version}`
  const tags = new Map<string, Record<string, string>>()
  const aliases = new Map<string, string[]>()
  const models = [...new Set(rows.map((r) => r.model))]
  const wanted = new Set(rows.map((r) => key(r.model, Number(r.version))))
  for (const part of chunks(models)) {
    const tagRows = await db
      .selectFrom('registry_version_tags')
      .selectAll()
      .where('model', 'in', part)
      .orderBy('key')
      .execute()
    for (const t of tagRows) {
      const k = key(t.model, Number(t.version))
      if (!wanted.has(k)) continue
      const m = tags.get(k) ?? {}
      m[t.key] = t.value
      tags.set(k, m)
    }
    for (const a of await db
      .selectFrom('registry_aliases')
      .selectAll()
      .where('model', 'in', part)
      .orderBy('alias')
      .execute()) {
      const k = key(a.model, Number(a.version))
      if (!wanted.has(k)) continue
      aliases.set(k, [...(aliases.get(k) ?? []), a.alias])
    }
  }
  return rows.map((r) => {
    const k = key(r.model, Number(r.version))
    const details = JSON.parse(r.details) as { onnx?: ModelVersion['onnx'] }
    return {
      name: r.model,
      version: Number(r.version),
      flavor: r.flavor as ModelFlavor,
      source: r.source,
      runId: r.run_id,
      runLink: r.run_link,
      description: r.description,
      status: r.status as ModelVersionStatus,
      statusMessage: r.status_message,
      signature: r.signature === null ? null : (JSON.parse(r.signature) as ModelSignature),
      metrics: JSON.parse(r.metrics) as Record<string, number>,
      tags: tags.get(k) ?? {},
      aliases: aliases.get(k) ?? [],
      stage: r.stage as ModelStage,
      files: JSON.parse(r.files) as ModelFile[],
      storagePrefix: r.storage_prefix,
      onnx: details.onnx ?? null,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      createdBy: r.created_by,
    }
  })
}
