import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import type { ServiceContext } from '../data/index.js'
import { AliasBook } from './alias-book.js'
import { deleteModelRows, insertModel, removeModelTag, upsertModelTag } from './model-records.js'
import { latestPerStage, parseStage, renameModel, transitionStage } from './model-stages.js'
import { inspectOnnxModel, type OnnxModelInfo } from './onnx/index.js'
import type { RegistryTables } from './registry-migrations.js'
import { assertModelName, assertTag, assertTags, assertVersion, parseVersion } from './registry-names.js'
import { loadModels, loadVersions } from './registry-rows.js'
import { type RegistrySearch, searchModels, searchVersions } from './registry-search.js'
import type {
  AliasEvent,
  ModelFile,
  ModelVersion,
  RegisteredModel,
  RegisterVersionInput,
  RegistryPage,
} from './registry-types.js'
import { touchModel } from './touch-model.js'
import {
  deleteStoredFiles,
  deleteVersionRows,
  findVersionRow,
  removeVersionTag,
  storedFile,
  updateVersionDescription,
  upsertVersionTag,
  versionRows,
} from './version-records.js'
import {
  modelNotFound,
  type RegistrationContext,
  registerModelVersion,
  withDbErrors,
} from './version-registration.js'

export type { RegistrySearch } from './registry-search.js'
export { modelStoragePrefix, modelVersionNodeId } from './version-registration.js'

/** Options for {@link ModelRegistry}, beyond its service context. */
export interface ModelRegistryOptions {
  /**
   * Loads ONNX bytes and reports their signature (default: onnxruntime-node in this thread).
   * Replace it to inspect in a worker thread: input and output are plain, cloneable data.
   */
  inspectOnnx?: (bytes: Uint8Array) => Promise<OnnxModelInfo>
}

/**
 * The model registry: registered models, immutable numbered versions (files in the blob store,
 * metadata in the metadata database), tags, and aliases with the history of every move.
 * Queries are plain Kysely and behave the same on SQLite and Postgres. Registrations are
 * recorded in the context's lineage graph (`run:<id>` → `model-version:<name>/<version>`); a
 * change that names no actor is the context principal's.
 *
 * @example
 * const registry = await strata.registry()
 * const v = await registry.registerVersion('flight-delay', { onnx: bytes, runId: run.id })
 * await registry.setAlias('flight-delay', 'champion', v.version)
 */
export class ModelRegistry {
  private readonly db: Kysely<RegistryTables>
  private readonly now: () => number
  private readonly aliases: AliasBook
  private readonly registration: RegistrationContext
  private readonly principal: Principal

  /** Built by `platform/` (see `Strata.registry`); the metadata needs `registryMigrations` and `lineageMigrations`. */
  constructor(
    private readonly context: ServiceContext,
    options: ModelRegistryOptions = {},
  ) {
    const { clock } = context
    this.db = context.metadata.db.withTables<RegistryTables>()
    this.now = () => clock.now()
    this.principal = context.principal
    this.registration = {
      db: this.db,
      blobs: context.blobs,
      lineage: context.lineage,
      now: this.now,
      inspect: options.inspectOnnx ?? ((bytes) => inspectOnnxModel(bytes)),
    }
    this.aliases = new AliasBook(this.db, this.now, (name, version) => this.getVersion(name, version))
  }

  private actor(given?: string): string {
    return given ?? this.principal.id
  }

  private run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withDbErrors(what, fn)
  }

  // ── Registered models ────────────────────────────────────────────────────────────────────────

  /** Creates a registered model; `ALREADY_EXISTS` when the name is taken. */
  async createModel(
    name: string,
    options: { description?: string; tags?: Record<string, string>; actor?: string } = {},
  ): Promise<RegisteredModel> {
    assertModelName(name)
    assertTags(options.tags ?? {})
    // MLflow's wording of a taken name ("Registered Model (name=…) already exists"), which the
    // MLflow client's users match on.
    await this.run(`Registered Model (name=${name})`, () =>
      insertModel(this.db, {
        name,
        description: options.description ?? '',
        createdBy: this.actor(options.actor),
        at: this.now(),
        tags: options.tags ?? {},
      }),
    )
    return this.getModel(name)
  }

  /** One registered model, or `NOT_FOUND`. */
  async getModel(name: string): Promise<RegisteredModel> {
    const row = await this.run('registered model', () =>
      this.db.selectFrom('registry_models').selectAll().where('name', '=', name).executeTakeFirst(),
    )
    if (row === undefined) throw modelNotFound(name)
    const [model] = await loadModels(this.db, [row])
    return model as RegisteredModel
  }

  /** Changes a model's description. */
  async updateModel(name: string, changes: { description?: string }): Promise<RegisteredModel> {
    const set = changes.description === undefined ? {} : { description: changes.description }
    await this.run(`registered model "${name}"`, () => touchModel(this.db, name, this.now(), set))
    return this.getModel(name)
  }

  /** Deletes a model with its versions, tags, aliases and alias history, then its files. */
  async deleteModel(name: string): Promise<void> {
    const prefixes = await this.run(`registered model "${name}"`, () => deleteModelRows(this.db, name))
    for (const r of prefixes) await deleteStoredFiles(this.context.blobs, r.storage_prefix, r.files)
  }

  /** Sets (or replaces) a tag on a model. */
  async setModelTag(name: string, key: string, value: string): Promise<void> {
    assertTag(key, value)
    await this.run(`tag "${key}" of model "${name}"`, () =>
      upsertModelTag(this.db, name, key, value, this.now()),
    )
  }

  /** Removes a tag from a model (a missing tag is fine; a missing model is `NOT_FOUND`). */
  async deleteModelTag(name: string, key: string): Promise<void> {
    await this.run(`tag "${key}" of model "${name}"`, () => removeModelTag(this.db, name, key, this.now()))
  }

  /** Registered models matching a search (default: all, by name in byte order). */
  searchModels(search: RegistrySearch = {}): Promise<RegistryPage<RegisteredModel>> {
    return searchModels(this.db, this.context.metadata.dialect, search)
  }

  // ── Versions ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Registers a new version. An ONNX model is loaded with onnxruntime first (a model that does not
   * load is rejected with `INVALID_ARGUMENT` and onnxruntime's message) and its real signature is
   * recorded. The version number is allocated atomically (concurrent registrations get distinct
   * numbers), the files are stored under `models/<name>/<version>/`, then the version becomes
   * `READY` and, with a `runId`, lineage records `run:<runId>` → `model-version:<name>/<version>`.
   */
  async registerVersion(name: string, input: RegisterVersionInput): Promise<ModelVersion> {
    const version = await registerModelVersion(this.registration, name, input, this.actor(input.actor))
    return this.getVersion(name, version)
  }

  /** One version, or `NOT_FOUND` naming the model or the version. */
  async getVersion(name: string, version: number): Promise<ModelVersion> {
    assertVersion(version)
    const row = await this.run('model version', () => findVersionRow(this.db, name, version))
    if (row === undefined) {
      await this.getModel(name)
      throw new StrataError('NOT_FOUND', `model "${name}" has no version ${version}`, {
        details: { entity: 'modelVersion', name, version },
      })
    }
    const [v] = await loadVersions(this.db, [row])
    return v as ModelVersion
  }

  /** The highest-numbered version of a model, or `NOT_FOUND` when it has none. */
  async latestVersion(name: string): Promise<ModelVersion> {
    const model = await this.getModel(name)
    if (model.latestVersion === null) {
      throw new StrataError('NOT_FOUND', `model "${name}" has no versions yet`, { details: { name } })
    }
    return this.getVersion(name, model.latestVersion)
  }

  /**
   * Resolves a reference: `name@alias`, `name/3` (a version), or `name` (the latest version).
   *
   * @example
   * const champion = await registry.resolve('flight-delay@champion')
   */
  async resolve(ref: string): Promise<ModelVersion> {
    const at = ref.lastIndexOf('@')
    if (at > 0) return this.getVersionByAlias(ref.slice(0, at), ref.slice(at + 1))
    const slash = ref.lastIndexOf('/')
    if (slash > 0) return this.getVersion(ref.slice(0, slash), parseVersion(ref.slice(slash + 1)))
    return this.latestVersion(ref)
  }

  /** Changes a version's description. */
  async updateVersion(
    name: string,
    version: number,
    changes: { description?: string },
  ): Promise<ModelVersion> {
    await this.getVersion(name, version)
    if (changes.description !== undefined) {
      const description = changes.description
      await this.run('model version', () =>
        updateVersionDescription(this.db, name, version, description, this.now()),
      )
    }
    return this.getVersion(name, version)
  }

  /** Deletes a version and its files; aliases pointing at it are removed (and that is recorded). */
  async deleteVersion(name: string, version: number, options: { actor?: string } = {}): Promise<void> {
    const existing = await this.getVersion(name, version)
    await this.run(`model "${name}" version ${version}`, () =>
      deleteVersionRows(this.db, this.aliases, name, version, this.actor(options.actor), this.now()),
    )
    await deleteStoredFiles(this.context.blobs, existing.storagePrefix, JSON.stringify(existing.files))
  }

  /**
   * Moves a version to an MLflow stage (`None`, `Staging`, `Production`, `Archived`; any case).
   * With `archiveExisting`, the model's other versions in a `Staging` or `Production` target
   * stage move to `Archived`. Stages are deprecated upstream; prefer aliases.
   */
  async transitionStage(
    name: string,
    version: number,
    stage: string,
    options: { archiveExisting?: boolean } = {},
  ): Promise<ModelVersion> {
    assertVersion(version)
    const canonical = parseStage(stage)
    await this.run(`model "${name}" version ${version}`, () =>
      transitionStage(this.db, {
        name,
        version,
        stage: canonical,
        archiveExisting: options.archiveExisting ?? false,
        now: this.now(),
      }),
    )
    return this.getVersion(name, version)
  }

  /** The latest version in each stage (default every stage), as MLflow's `get_latest_versions`. */
  async latestVersionsByStage(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    const wanted = stages === undefined || stages.length === 0 ? undefined : stages.map(parseStage)
    return latestPerStage(await this.listVersions(name), wanted)
  }

  /** Renames a model; versions, aliases (and their history) and tags move with it. */
  async renameModel(name: string, newName: string): Promise<RegisteredModel> {
    await this.run(`registered model "${name}"`, () => renameModel(this.db, name, newName, this.now()))
    return this.getModel(newName)
  }

  /** Sets (or replaces) a tag on a version. */
  async setVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    assertTag(key, value)
    await this.getVersion(name, version)
    await this.run(`tag "${key}" of model "${name}" version ${version}`, () =>
      upsertVersionTag(this.db, name, version, key, value),
    )
  }

  /** Removes a tag from a version (a missing tag is fine). */
  async deleteVersionTag(name: string, version: number, key: string): Promise<void> {
    await this.getVersion(name, version)
    await this.run('model version tag', () => removeVersionTag(this.db, name, version, key))
  }

  /** Versions matching a search (default: all, by name then newest first). */
  searchVersions(search: RegistrySearch = {}): Promise<RegistryPage<ModelVersion>> {
    return searchVersions(this.db, this.context.metadata.dialect, search)
  }

  /** Every version of one model, newest first. */
  async listVersions(name: string): Promise<ModelVersion[]> {
    await this.getModel(name)
    const rows = await this.run('model versions', () => versionRows(this.db, name))
    return loadVersions(this.db, rows)
  }

  /** The bytes of one stored file of a version (default: its first file, e.g. `model.onnx`). */
  async readFile(name: string, version: number, path?: string): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    for await (const chunk of (await this.openFile(name, version, path)).body) chunks.push(chunk)
    return Buffer.concat(chunks)
  }

  /**
   * Streams one stored file of a version (default: its first file). `NOT_FOUND` for a file the
   * version does not have; `FAILED_PRECONDITION` while the version is not `READY`.
   */
  async openFile(
    name: string,
    version: number,
    path?: string,
  ): Promise<{ file: ModelFile; body: AsyncIterable<Uint8Array> }> {
    const { file, key } = storedFile(await this.getVersion(name, version), name, version, path)
    return { file, body: await this.context.blobs.get(key) }
  }

  // ── Aliases ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Points `alias` at a `READY` version, recording the move (who, when, from → to). Returns the
   * recorded event, or `null` when the alias already pointed there.
   */
  setAlias(
    name: string,
    alias: string,
    version: number,
    options: { actor?: string; reason?: string } = {},
  ): Promise<AliasEvent | null> {
    return this.aliases.set(name, alias, version, this.actor(options.actor), options.reason ?? null)
  }

  /** Removes an alias (recorded as a move to `null`); `NOT_FOUND` when it is not set. */
  deleteAlias(
    name: string,
    alias: string,
    options: { actor?: string; reason?: string } = {},
  ): Promise<AliasEvent> {
    return this.aliases.delete(name, alias, this.actor(options.actor), options.reason ?? null)
  }

  /** The version an alias points at, or `NOT_FOUND`. */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.aliases.resolve(name, alias)
  }

  /** Every recorded alias move of a model (optionally one alias), oldest first. */
  aliasHistory(name: string, options: { alias?: string } = {}): Promise<AliasEvent[]> {
    return this.aliases.history(name, options.alias, () => this.getModel(name))
  }
}
