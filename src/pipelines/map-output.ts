import { createHash } from 'node:crypto'
import { canonicalJson } from './cache-key.js'
import type { MapItem, PipelineData } from './map-items.js'
import type { Datum, MapOutputSpec } from './map-source.js'
import type { JsonValue } from './step.js'

/** What {@link writeMapOutput} writes: the run's step, its input commit, its items and their outputs. */
export interface MapOutputInput {
  runId: string
  pipeline: string
  step: string
  input: { dataset: string; commit: string }
  items: readonly MapItem[]
  outputs: readonly JsonValue[]
}

/** The metadata key of an output commit naming the input commit it was computed from. */
export const INPUT_COMMIT_KEY = 'strata.pipeline.input'

/** The output file of a datum: `<path>.json` (`.jsonl`), or `all.json` for the whole commit as one datum. */
export function outputPath(datum: Datum, format: 'json' | 'jsonl'): string {
  return `${datum.path === '' ? 'all' : datum.path}.${format}`
}

/**
 * An element's output as table rows (the repository reads `.json`/`.jsonl` files as tables): an
 * array of objects is its rows, an object one row, anything else one row `{ "value": … }`.
 */
export function outputRows(value: JsonValue): { [key: string]: JsonValue }[] {
  const isRow = (v: JsonValue): v is { [key: string]: JsonValue } =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
  if (Array.isArray(value) && value.every(isRow)) return value
  if (isRow(value)) return [value]
  return [{ value }]
}

function encode(value: JsonValue, format: 'json' | 'jsonl'): Uint8Array {
  const rows = outputRows(value)
  if (format === 'json') return new TextEncoder().encode(`[${rows.map((r) => canonicalJson(r)).join(',')}]\n`)
  return new TextEncoder().encode(rows.map((r) => `${canonicalJson(r)}\n`).join(''))
}

/**
 * Writes a datum-mapped step's outputs as a commit of `spec.dataset@spec.branch` (creating the
 * dataset or branch when missing): a file per datum, only the changed ones written, the files of
 * datums that are gone deleted. Re-writing the same outputs for the same input commit returns
 * the existing head instead of a second commit. The commit's metadata names the run, the step
 * and the input commit. Returns the commit id.
 */
export async function writeMapOutput(
  data: PipelineData,
  spec: MapOutputSpec,
  o: MapOutputInput,
): Promise<string> {
  if (!(await data.listDatasets()).some((d) => d.name === spec.dataset)) {
    await data.createDataset(spec.dataset, {
      description: `outputs of pipeline ${o.pipeline}, step ${o.step}`,
      defaultBranch: spec.branch,
    })
  }
  let ref = (await data.refs(spec.dataset)).find((r) => r.name === spec.branch)
  if (ref === undefined) {
    await data.branch(spec.dataset, spec.branch)
    ref = { name: spec.branch, commit: null }
  }
  const head = ref.commit
  const current = new Map<string, string>()
  if (head !== null) for (const f of await data.files(spec.dataset, head)) current.set(f.path, f.object)
  const changes: ({ path: string; bytes: Uint8Array } | { path: string; delete: true })[] = []
  const wanted = new Set<string>()
  for (let i = 0; i < o.items.length; i++) {
    const path = outputPath(o.items[i]?.value as Datum, spec.format)
    wanted.add(path)
    const bytes = encode(o.outputs[i] as JsonValue, spec.format)
    if (current.get(path) !== sha256Bytes(bytes)) changes.push({ path, bytes })
  }
  for (const path of current.keys()) if (!wanted.has(path)) changes.push({ path, delete: true })
  const input = `${o.input.dataset}@${o.input.commit}`
  if (head !== null && changes.length === 0) {
    const h = await data.resolve(spec.dataset, head)
    if (h.metadata[INPUT_COMMIT_KEY] === input) return h.id
  }
  const commit = await data.commit(spec.dataset, {
    branch: spec.branch,
    message: `${o.pipeline}.${o.step} over ${o.input.dataset}@${o.input.commit.slice(0, 12)}`,
    changes,
    metadata: { [INPUT_COMMIT_KEY]: input, 'strata.pipeline.run': o.runId, 'strata.pipeline.step': o.step },
    allowEmpty: true,
  })
  return commit.id
}

/** The repository's content id of a small file: the sha256 of its bytes. */
function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
