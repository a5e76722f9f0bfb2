import { createHash, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { ModelFile, ModelVersion } from '../registry/index.js'

/** Reads one stored file of a version (the registry's `readFile`). */
export type ReadModelFile = (name: string, version: number, path: string) => Promise<Uint8Array>

/**
 * A content-addressed local copy of model files, shared by every worker: each file is stored
 * once under `objects/<sha256>` (checked against the registry's hash, written to a temporary name
 * and renamed, so a crash never leaves a partial file under a final name), and each version's
 * files are laid out under `trees/<hash of the file list>/` as hard links, so a predictor's
 * relative imports work and two versions with the same files share one tree.
 */
export class ModelCache {
  constructor(readonly root: string) {}

  /** The local directory holding `version`'s files, fetching those not cached yet. */
  async materialize(version: ModelVersion, read: ReadModelFile): Promise<string> {
    const files = [...version.files].sort((a, b) => a.path.localeCompare(b.path))
    const treeId = createHash('sha256')
      .update(files.map((f) => `${f.path}\0${f.sha256}`).join('\n'))
      .digest('hex')
    const tree = join(this.root, 'trees', treeId)
    if (existsSync(join(tree, '.complete'))) return tree
    const staging = `${tree}.${randomUUID()}.tmp`
    await mkdir(staging, { recursive: true })
    try {
      for (const file of files) {
        const object = await this.object(version, file, read)
        const target = join(staging, file.path)
        await mkdir(dirname(target), { recursive: true })
        await link(object, target)
      }
      await writeFile(join(staging, '.complete'), '')
      await mkdir(dirname(tree), { recursive: true })
      try {
        await rename(staging, tree)
      } catch (err) {
        // another process or request made the same tree first
        if (!existsSync(join(tree, '.complete'))) throw err
      }
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
    return tree
  }

  private async object(version: ModelVersion, file: ModelFile, read: ReadModelFile): Promise<string> {
    const path = join(this.root, 'objects', file.sha256)
    if (existsSync(path)) {
      const bytes = await readFile(path)
      if (createHash('sha256').update(bytes).digest('hex') === file.sha256) return path
    }
    const bytes = await read(version.name, version.version, file.path)
    const got = createHash('sha256').update(bytes).digest('hex')
    if (got !== file.sha256) {
      throw new StrataError(
        'INTERNAL',
        `model "${version.name}" version ${version.version} file "${file.path}" has sha256 ${got}, but the registry recorded ${file.sha256}`,
      )
    }
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${randomUUID()}.tmp`
    await writeFile(tmp, bytes)
    await rename(tmp, path)
    return path
  }
}
