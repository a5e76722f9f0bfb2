import { StrataError } from '../core/errors.js'
import { canonicalJson, sha256 } from './cache-key.js'
import { type DatumFile, selectDatums } from './map-source.js'
import type { PipelineRun } from './run-store.js'
import type { JsonValue, Step } from './step.js'

/** One item of a mapped step: its key for people, its content address for the cache key, its value. */
export interface MapItem {
  /** The index (`"3"`), or the datum's path. */
  key: string
  /** `datum:<content hash>` or `value:<sha256 of the canonical JSON>`: never a name or a path. */
  address: string
  value: unknown
}

/**
 * What the engine needs of the data repository for mapped steps: a commit's files (datums), and
 * writing a dataset output. `DataRepository` has this shape.
 */
export interface PipelineData {
  files(dataset: string, ref: string): Promise<readonly DatumFile[]>
  resolve(dataset: string, ref: string): Promise<{ id: string; metadata: Record<string, string> }>
  refs(dataset: string): Promise<readonly { name: string; commit: string | null }[]>
  createDataset(name: string, opts?: { description?: string; defaultBranch?: string }): Promise<unknown>
  listDatasets(): Promise<readonly { name: string }[]>
  branch(dataset: string, name: string, from?: string): Promise<unknown>
  commit(
    dataset: string,
    input: {
      branch?: string
      message: string
      changes: ({ path: string; bytes: Uint8Array } | { path: string; delete: true })[]
      metadata?: Record<string, string>
      allowEmpty?: boolean
    },
  ): Promise<{ id: string }>
}

/** The key in `PipelineRun.resolved` of the commit a step's datums come from. */
export function datumsKey(step: string): string {
  return `${step}.@over`
}

/**
 * The items of a mapped step in this run: the elements of an upstream array output or of a
 * list param, or the datums of the resolved commit (sorted by path). Deterministic for a run, so
 * a resumed run maps the same items.
 */
export async function mapItems(
  s: Step<string, unknown>,
  run: Pick<PipelineRun, 'params' | 'resolved'>,
  upstream: (step: string) => JsonValue | undefined,
  data: PipelineData | undefined,
): Promise<MapItem[]> {
  const source = s.map?.source
  if (source === undefined) throw new StrataError('INTERNAL', `step "${s.name}" is not mapped`)
  if (source.kind === 'datums') {
    const commit = run.resolved[datumsKey(s.name)] as string
    if (data === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `step "${s.name}" maps over datums of ${source.dataset}, but this engine has no data repository`,
      )
    }
    const files = await data.files(source.dataset, commit)
    return selectDatums(source.dataset, commit, files, source.glob, sha256).map((d) => ({
      key: d.path,
      address: `datum:${d.hash}`,
      value: d,
    }))
  }
  const list = source.kind === 'step' ? upstream(source.name) : run.params[source.param]
  if (!Array.isArray(list)) {
    const what = source.kind === 'step' ? `the output of step "${source.name}"` : `param "${source.param}"`
    throw new StrataError(
      'INVALID_ARGUMENT',
      `step "${s.name}" maps over ${what}, which is ${list === null ? 'null' : typeof list}, not a list`,
    )
  }
  return list.map((v, i) => ({ key: String(i), address: `value:${sha256(canonicalJson(v))}`, value: v }))
}
