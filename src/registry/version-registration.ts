import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { errorMessage, isStrataError, StrataError } from '../core/errors.js'
import type { LineageGraphStore } from '../data/lineage/index.js'
import { translateDbError, writeTransaction } from '../db/index.js'
import type { BlobStore } from '../ports/index.js'
import { MLMODEL_FILE, mlmodelFor } from './mlmodel.js'
import type { OnnxModelInfo } from './onnx/index.js'
import type { RegistryTables } from './registry-migrations.js'
import { assertFilePath, assertMetrics, assertModelName, assertTags } from './registry-names.js'
import { MODEL_FLAVORS, type ModelFlavor, type RegisterVersionInput } from './registry-types.js'

/** What registering a version needs from the registry. */
export interface RegistrationContext {
  db: Kysely<RegistryTables>
  blobs: BlobStore
  lineage: LineageGraphStore
  now: () => number
  inspect: (bytes: Uint8Array) => Promise<OnnxModelInfo>
}

/** Where a version's files live in the blob store. */
export function modelStoragePrefix(name: string, version: number): string {
  return `models/${name}/${version}`
}

/** The lineage node of a model version. */
export function modelVersionNodeId(name: string, version: number): string {
  return `model-version:${name}/${version}`
}

/** `NOT_FOUND` for a registered model. */
export function modelNotFound(name: string): StrataError {
  return new StrataError('NOT_FOUND', `registered model "${name}" does not exist`, {
    details: { entity: 'registeredModel', name },
  })
}

/** Runs database work, translating driver errors (`what` names the object for messages). */
export async function withDbErrors<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw translateDbError(err, what)
  }
}

/**
 * Registers a new version. An ONNX model is loaded with onnxruntime first (a model that does not
 * load is rejected with `INVALID_ARGUMENT` and onnxruntime's message) and its real signature is
 * recorded. The version number is allocated atomically (concurrent registrations get distinct
 * numbers), the files are stored under `models/<name>/<version>/`, then the version becomes
 * `READY` and, with a `runId`, lineage records `run:<runId>` → `model-version:<name>/<version>`.
 * Resolves the new version number.
 */
export async function registerModelVersion(
  ctx: RegistrationContext,
  name: string,
  input: RegisterVersionInput,
  actor: string | null,
): Promise<number> {
  assertModelName(name)
  const flavor = input.flavor ?? (input.onnx ? 'onnx' : (input.files?.length ?? 0) > 0 ? 'js' : 'external')
  const files = [...(input.onnx ? [{ path: 'model.onnx', bytes: input.onnx }] : []), ...(input.files ?? [])]
  checkVersionInput(flavor, input, files)
  const info = flavor === 'onnx' && input.onnx ? await ctx.inspect(input.onnx) : null
  const signature = info?.signature ?? input.signature ?? null
  const now = ctx.now()
  // An ONNX version carries MLflow's descriptor, so the stock client's pyfunc loads it.
  if (info !== null && !files.some((f) => f.path === MLMODEL_FILE)) {
    files.push({ path: MLMODEL_FILE, bytes: Buffer.from(mlmodelFor(info.signature, now)) })
  }
  const fileMeta = files.map((f) => ({
    path: f.path,
    size: f.bytes.byteLength,
    sha256: createHash('sha256').update(f.bytes).digest('hex'),
  }))
  const version = await withDbErrors(`model "${name}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      if (input.createModel !== false) {
        await trx
          .insertInto('registry_models')
          .values({
            name,
            description: '',
            created_at: now,
            updated_at: now,
            created_by: actor,
            last_version: 0,
          })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute()
      }
      // The model's counter row allocates the number; on Postgres its row lock, held until commit,
      // serializes concurrent registrations of one model (on SQLite the transaction holds the write lock).
      const allocated = await trx
        .updateTable('registry_models')
        .set((eb) => ({ last_version: eb('last_version', '+', 1), updated_at: now }))
        .where('name', '=', name)
        .returning('last_version')
        .executeTakeFirst()
      if (allocated === undefined) throw modelNotFound(name)
      const v = Number(allocated.last_version)
      const prefix = files.length > 0 ? modelStoragePrefix(name, v) : null
      const { signature: _, ...header } = info ?? { signature: null }
      await trx
        .insertInto('registry_versions')
        .values({
          model: name,
          version: v,
          flavor,
          source: input.source ?? prefix ?? '',
          run_id: input.runId ?? null,
          run_link: input.runLink ?? null,
          description: input.description ?? '',
          status: files.length > 0 ? 'PENDING_REGISTRATION' : 'READY',
          status_message: null,
          signature: signature === null ? null : JSON.stringify(signature),
          metrics: JSON.stringify(input.metrics ?? {}),
          files: JSON.stringify(fileMeta),
          storage_prefix: prefix,
          details: JSON.stringify(info === null ? {} : { onnx: header }),
          created_at: now,
          updated_at: now,
          created_by: actor,
        })
        .execute()
      const tags = Object.entries(input.tags ?? {})
      if (tags.length > 0) {
        await trx
          .insertInto('registry_version_tags')
          .values(tags.map(([key, value]) => ({ model: name, version: v, key, value })))
          .execute()
      }
      if (files.length === 0) await recordLineage(ctx, trx, name, v, input.runId)
      return v
    }),
  )
  if (files.length > 0) await storeFiles(ctx, name, version, files, input.runId)
  return version
}

async function storeFiles(
  ctx: RegistrationContext,
  name: string,
  version: number,
  files: { path: string; bytes: Uint8Array }[],
  runId: string | undefined,
): Promise<void> {
  const prefix = modelStoragePrefix(name, version)
  try {
    for (const f of files) await ctx.blobs.put(`${prefix}/${f.path}`, f.bytes)
  } catch (err) {
    const message = `storing the files failed: ${errorMessage(err)}`
    await ctx.db
      .updateTable('registry_versions')
      .set({ status: 'FAILED_REGISTRATION', status_message: message, updated_at: ctx.now() })
      .where('model', '=', name)
      .where('version', '=', version)
      .execute()
      .catch(() => {})
    throw isStrataError(err)
      ? new StrataError(err.code, `model "${name}" version ${version}: ${message}`, { cause: err })
      : new StrataError('UNAVAILABLE', `model "${name}" version ${version}: ${message}`, { cause: err })
  }
  await withDbErrors(`model "${name}" version ${version}`, () =>
    writeTransaction(ctx.db, async (trx) => {
      await trx
        .updateTable('registry_versions')
        .set({ status: 'READY', updated_at: ctx.now() })
        .where('model', '=', name)
        .where('version', '=', version)
        .execute()
      await recordLineage(ctx, trx, name, version, runId)
    }),
  )
}

async function recordLineage(
  ctx: RegistrationContext,
  trx: Kysely<RegistryTables>,
  name: string,
  version: number,
  runId?: string,
) {
  await ctx.lineage.record(
    {
      inputs: runId === undefined ? [] : [`run:${runId}`],
      output: { id: modelVersionNodeId(name, version), label: `${name} v${version}` },
      activity: 'register',
    },
    trx as unknown as Kysely<object>,
  )
}

function checkVersionInput(
  flavor: ModelFlavor,
  input: RegisterVersionInput,
  files: { path: string; bytes: Uint8Array }[],
): void {
  if (!MODEL_FLAVORS.includes(flavor)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `flavor "${flavor}" is invalid; expected one of ${MODEL_FLAVORS.join(', ')}`,
    )
  }
  if (flavor === 'onnx' && input.onnx === undefined) {
    throw new StrataError('INVALID_ARGUMENT', 'an onnx version needs the model bytes in "onnx"')
  }
  if (flavor !== 'onnx' && input.onnx !== undefined) {
    throw new StrataError('INVALID_ARGUMENT', `ONNX bytes were given but the flavor is "${flavor}"`)
  }
  if (flavor === 'js' && files.length === 0)
    throw new StrataError('INVALID_ARGUMENT', 'a js version needs at least one file')
  if (flavor === 'external' && files.length > 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'an external version stores no files; give only its "source" URI',
    )
  }
  if (flavor === 'external' && (input.source === undefined || input.source === '')) {
    throw new StrataError('INVALID_ARGUMENT', 'an external version needs a "source" URI')
  }
  if (
    input.source !== undefined &&
    (input.source.includes('\0') || input.source.split(/[\\/]/).includes('..'))
  ) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `source ${JSON.stringify(input.source)} is invalid; it may not contain ".." segments or NUL`,
    )
  }
  const seen = new Set<string>()
  for (const f of files) {
    assertFilePath(f.path)
    if (seen.has(f.path)) throw new StrataError('INVALID_ARGUMENT', `model file "${f.path}" is given twice`)
    seen.add(f.path)
  }
  if (input.runId !== undefined && !/^\S{1,256}$/.test(input.runId)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `run id ${JSON.stringify(input.runId)} is invalid; expected 1–256 non-space characters`,
    )
  }
  assertTags(input.tags ?? {})
  assertMetrics(input.metrics ?? {})
}
