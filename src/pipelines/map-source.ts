import { StrataError } from '../core/errors.js'
import type { JsonValue, StepRef } from './step.js'

/** A list param of the pipeline to map over (`overParam('grid')`); each element is one item. */
export interface ParamListSource<T> {
  readonly kind: 'param-list'
  readonly param: string
  /** Phantom: the item type, for inference only (never set). */
  readonly __item?: T
}

/**
 * The datums of a dataset commit to map over (`datums('images@main', '/*')`), Pachyderm-style:
 * the ref is resolved to a commit when the run is planned, and the glob selects the datums — a
 * matched file is one datum, a matched directory (e.g. a row partition `month=2024-01/`) is one
 * datum holding every file under it.
 */
export interface DatumsSource {
  readonly kind: 'datums'
  readonly dataset: string
  readonly ref: string
  readonly glob: string
  readonly __item?: Datum
}

/** One file of a {@link Datum}. */
export interface DatumFile {
  /** Path in the dataset. */
  path: string
  /** Content id (sha256). */
  object: string
  size: number
}

/** What a step mapped over {@link datums} gets per element. */
export interface Datum {
  dataset: string
  /** The commit the ref resolved to: read the files at this commit. */
  commit: string
  /** The matched path (a file, or a directory for a partition). */
  path: string
  /**
   * The datum's content hash: the file's content id, or for a directory the sha256 over its
   * files' relative paths and content ids. The element's cache key uses this, never the path.
   */
  hash: string
  size: number
  /** The datum's files, sorted by path (one for a file datum). */
  files: DatumFile[]
}

/** Where a mapped step's element outputs are written as a dataset commit (see {@link datasetOutput}). */
export interface MapOutputSpec {
  dataset: string
  branch: string
  /**
   * The file per datum, read by the repository as a table: `jsonl` (default) `<datum path>.jsonl`,
   * `json` `<datum path>.json` (a JSON array). An element's output is its rows: an array of
   * objects, an object (one row), or any other value (one row `{ "value": … }`).
   */
  format: 'json' | 'jsonl'
}

/** What a mapped step maps over, and where its outputs go. */
export interface MapSpec {
  readonly source:
    | { readonly kind: 'step'; readonly name: string }
    | { readonly kind: 'param-list'; readonly param: string }
    | { readonly kind: 'datums'; readonly dataset: string; readonly ref: string; readonly glob: string }
  readonly output?: MapOutputSpec
}

/** What a mapped step can map over: an upstream step's array output, a list param, or datums. */
export type MapSource = StepRef<readonly unknown[]> | ParamListSource<unknown> | DatumsSource

/** The item type of a {@link MapSource}. */
export type MapItemOf<S> = S extends DatumsSource
  ? Datum
  : S extends ParamListSource<infer T>
    ? T
    : S extends StepRef<infer A>
      ? A extends readonly (infer T)[]
        ? T
        : never
      : never

/**
 * A list param to map over: `mapStep({ over: overParam<{ lr: number }>('grid'), … })`. The
 * pipeline must declare the param with a list default; a run may pass another list.
 */
export function overParam<T extends JsonValue = JsonValue>(param: string): ParamListSource<T> {
  return { kind: 'param-list', param }
}

/**
 * The datums of a dataset ref selected by a glob (default `/*`: each top-level file or
 * directory). `/` is the whole commit as one datum; `/*\/*` one level down; `**\/*.csv` every CSV
 * file at any depth.
 *
 * @example
 * const thumbs = mapStep({ name: 'thumb', over: datums('images@main', '/*'), run: (_c, d) => d.size })
 */
export function datums(ref: string, glob = '/*'): DatumsSource {
  const at = ref.lastIndexOf('@')
  const dataset = at <= 0 ? ref : ref.slice(0, at)
  const branch = at <= 0 ? 'main' : ref.slice(at + 1)
  globSegments(glob)
  return { kind: 'datums', dataset, ref: branch, glob }
}

/**
 * Writes a datum-mapped step's element outputs as a dataset commit on `dataset@branch` (created
 * when missing): each datum's output is a file named after the datum's path, a removed datum's
 * file is deleted, and the commit's lineage points to the input commit.
 */
export function datasetOutput(ref: string, options: { format?: 'json' | 'jsonl' } = {}): MapOutputSpec {
  const at = ref.lastIndexOf('@')
  return {
    dataset: at <= 0 ? ref : ref.slice(0, at),
    branch: at <= 0 ? 'main' : ref.slice(at + 1),
    format: options.format ?? 'jsonl',
  }
}

/** The segments of a datum glob, checked: `/` (the whole commit) gives none. */
export function globSegments(glob: string): string[] {
  const trimmed = glob.replace(/^\/+/, '').replace(/\/+$/, '')
  if (trimmed === '') return []
  const segments = trimmed.split('/')
  for (const seg of segments) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `datum glob "${glob}" is invalid: empty, "." or ".." segment; use e.g. "/*", "/*/*" or "**/*.csv"`,
      )
    }
  }
  return segments
}

const segmentRegex = (seg: string): RegExp =>
  new RegExp(
    `^${seg
      .split('')
      .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  )

/**
 * Groups a commit's files (sorted by path) into datums by `glob`: each file's prefix of as many
 * segments as the glob has is matched segment by segment; files sharing a matched prefix form
 * one datum. A glob with `**` matches whole file paths (each match is a file datum). Linear in
 * the number of files; datums come out sorted by path.
 */
export function selectDatums(
  dataset: string,
  commit: string,
  files: readonly DatumFile[],
  glob: string,
  hash: (text: string) => string,
): Datum[] {
  const segments = globSegments(glob)
  const groups = new Map<string, DatumFile[]>()
  if (segments.includes('**')) {
    const body = segments.map((seg, i) =>
      seg !== '**'
        ? `${segmentRegex(seg).source.slice(1, -1)}${i < segments.length - 1 ? '/' : ''}`
        : i < segments.length - 1
          ? '(?:[^/]+/)*'
          : '.+',
    )
    const re = new RegExp(`^${body.join('')}$`)
    for (const f of files) if (re.test(f.path)) groups.set(f.path, [f])
  } else {
    const res = segments.map(segmentRegex)
    for (const f of files) {
      const parts = f.path.split('/')
      if (parts.length < res.length) continue
      if (!res.every((re, i) => re.test(parts[i] as string))) continue
      const prefix = parts.slice(0, res.length).join('/')
      const g = groups.get(prefix)
      if (g === undefined) groups.set(prefix, [f])
      else g.push(f)
    }
  }
  const out: Datum[] = []
  for (const [path, group] of groups) {
    const single = group.length === 1 && (group[0] as DatumFile).path === path
    const size = group.reduce((n, f) => n + f.size, 0)
    const h = single
      ? (group[0] as DatumFile).object
      : hash(group.map((f) => `${f.path.slice(path.length)}\u0000${f.object}`).join('\n'))
    out.push({ dataset, commit, path, hash: h, size, files: group })
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return out
}
