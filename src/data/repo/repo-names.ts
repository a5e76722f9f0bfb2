import { StrataError } from '../../core/errors.js'
import { canonicalJson, type ObjectId, sha256Hex } from '../objects/index.js'
import type { Commit } from './repo-types.js'

const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const REF_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/

/** Throws `INVALID_ARGUMENT` unless `name` is a valid dataset name. */
export function assertDatasetName(name: string): void {
  if (typeof name !== 'string' || !DATASET_NAME.test(name)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `dataset name ${JSON.stringify(name)} is invalid; use 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "flights"`,
      { details: { dataset: name } },
    )
  }
}

/** Hex of the commit-id alphabet from the shortest prefix `resolveRef` accepts up to a full id. */
const LOOKS_LIKE_COMMIT_ID = /^[0-9a-fA-F]{4,64}$/

/**
 * Throws `INVALID_ARGUMENT` unless `name` is a valid branch or tag name. A name that looks like
 * a commit id (4–64 hex digits, any case) is refused: it could shadow the commit it spells.
 */
export function assertRefName(name: string, what: 'branch' | 'tag'): void {
  const ok =
    typeof name === 'string' &&
    REF_NAME.test(name) &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.endsWith('/') &&
    !name.endsWith('.')
  if (!ok) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what} name ${JSON.stringify(name)} is invalid; use letters, digits, ".", "_", "-" and "/" (no "..", "//" or trailing "/"), e.g. "main" or "exp/cleaned"`,
      { details: { [what]: name } },
    )
  }
  if (LOOKS_LIKE_COMMIT_ID.test(name)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what} name "${name}" looks like a commit id (4–64 hex digits) and could stand for a commit; add a letter outside a–f, e.g. "v-${name}"`,
      { details: { [what]: name } },
    )
  }
}

/** The fields a commit id is computed from. */
export type CommitContent = Omit<Commit, 'id' | 'stats'>

/** SHA-256 over the canonical JSON of the commit's content (dataset, tree, parents, author, message, time, metadata). */
export function computeCommitId(c: CommitContent): ObjectId {
  return sha256Hex(
    Buffer.from(
      canonicalJson({
        v: 1,
        dataset: c.dataset,
        tree: c.tree,
        parents: c.parents,
        author: c.author,
        message: c.message,
        createdAt: c.createdAt,
        metadata: c.metadata,
      }),
      'utf8',
    ),
  )
}

/** The first 12 hex digits of an id, for labels and messages. */
export function shortId(id: string): string {
  return id.slice(0, 12)
}

/** Checks a metadata map: string keys and values only. */
export function assertMetadata(metadata: Record<string, string>): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `commit metadata "${k}" is a ${typeof v}; metadata values must be strings`,
        { details: { key: k } },
      )
    }
  }
}
