/**
 * The part of the versioned-data `DataRepository` the feature store uses (structurally, so
 * the feature store depends on the contract rather than on the class).
 */
export interface FeatureDataRepository {
  getDataset(name: string): Promise<{ name: string }>
  createDataset(name: string, options?: { description?: string }): Promise<unknown>
  commit(
    dataset: string,
    input: {
      branch?: string
      message: string
      changes: { path: string; source: string }[]
      metadata?: Record<string, string>
      allowEmpty?: boolean
    },
  ): Promise<{ id: string }>
  resolve(dataset: string, ref: string): Promise<{ id: string }>
  files(dataset: string, ref: string, options?: { prefix?: string }): Promise<{ path: string }[]>
  /** A local path holding exactly the file's bytes (for DuckDB). */
  localFile(dataset: string, ref: string, path: string): Promise<string>
}

/** Creates `name` unless it exists; tolerates a concurrent creator. */
export async function ensureDataset(
  repo: FeatureDataRepository,
  name: string,
  description: string,
): Promise<void> {
  try {
    await repo.getDataset(name)
    return
  } catch (err) {
    if ((err as { code?: string }).code !== 'NOT_FOUND') throw err
  }
  try {
    await repo.createDataset(name, { description })
  } catch (err) {
    if ((err as { code?: string }).code !== 'ALREADY_EXISTS') throw err
  }
}
