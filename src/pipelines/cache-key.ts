import { hash } from 'node:crypto'
import { commandHash } from './command-hash.js'
import type { JsonValue, PipelineParams, Step } from './step.js'

/** The parts of a step's cache key, each a sha256 hex, kept so a plan can say which one changed. */
export interface CacheKeyParts {
  /**
   * The step's code: its `run` function's source, its `version`, and the sources of the module
   * defining its pipeline with every local module that imports (`Pipeline.sourceHash`).
   */
  code: string
  /** The params it reads (all of the pipeline's unless it declares `params`). */
  params: string
  /** The content addresses of its inputs (output hashes, dataset commit ids), by input name. */
  inputs: string
}

/** A step's cache key and its parts. */
export interface CacheKey {
  key: string
  parts: CacheKeyParts
}

/** sha256 hex of a string (one-shot `crypto.hash`: a third of the CPU of a `createHash` object per call). */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex')
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === undefined) return 'null'
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
}

/**
 * The hash of a step's code: the source of its `run`, its declared `version` and `sourceHash`,
 * the hash of the modules its pipeline was loaded from (see `sourceClosureHash`), when known.
 * For a command step, also its command and the content of the files it names (see
 * `commandHash`; relative paths resolve against `root`, the pipelines module's directory).
 */
export function codeHash(s: Step<string, unknown>, sourceHash = '', root = process.cwd()): string {
  // A command step's hash covers files that may change between runs: computed each time.
  if (s.command !== undefined)
    return sha256(
      `${s.version}\u0000${s.run.toString()}\u0000${sourceHash}\u0000${commandHash(s.command, root)}`,
    )
  // A TypeScript step's depends only on its declaration (`run`, `version`) and `sourceHash`: kept per step.
  const kept = codeHashes.get(s)
  if (kept?.sourceHash === sourceHash) return kept.hash
  const computed = sha256(`${s.version}\u0000${s.run.toString()}\u0000${sourceHash}\u0000`)
  codeHashes.set(s, { sourceHash, hash: computed })
  return computed
}

const codeHashes = new WeakMap<Step<string, unknown>, { sourceHash: string; hash: string }>()

/**
 * A step's content-addressed cache key: sha256 over its code hash (with `sourceHash`, the
 * hash of the modules its pipeline came from), the params it reads and
 * the content addresses of its inputs (never names or paths of what they point to). An
 * unchanged step over unchanged inputs gets the same key in any run, on any machine.
 */
export function cacheKey(
  s: Step<string, unknown>,
  params: PipelineParams,
  inputAddresses: Readonly<Record<string, string>>,
  sourceHash?: string,
  root?: string,
): CacheKey {
  const read: Record<string, JsonValue> = {}
  for (const name of s.params ?? Object.keys(params)) read[name] = params[name] ?? null
  const inputs: Record<string, JsonValue> = {}
  for (const [name, address] of Object.entries(inputAddresses)) inputs[name] = address
  const parts: CacheKeyParts = {
    code: codeHash(s, sourceHash, root),
    params: sha256(canonicalJson(read)),
    inputs: sha256(canonicalJson(inputs)),
  }
  return {
    key: sha256(`step\u0000${s.name}\u0000${parts.code}\u0000${parts.params}\u0000${parts.inputs}`),
    parts,
  }
}

/** The `pipeline_cache` row mapping `key` to the output it produced (`hash`) in run `runId`. */
export function cacheEntry(
  pipeline: string,
  step: string,
  key: CacheKey,
  hash: string,
  runId: string,
  at: number,
) {
  return {
    cache_key: key.key,
    pipeline,
    step,
    code_hash: key.parts.code,
    params_hash: key.parts.params,
    inputs_hash: key.parts.inputs,
    output_hash: hash,
    run_id: runId,
    created_at: at,
  }
}

/**
 * The cache key of one element of a mapped step: the step's key with the item's content address
 * (`datum:<hash>`, `value:<sha256>`) among its inputs — never its index or path, so an unchanged
 * datum hits under a new commit, and a renamed one too.
 */
export function elementKey(
  stepName: string,
  base: CacheKey,
  inputAddresses: Readonly<Record<string, string>>,
  itemAddress: string,
): CacheKey {
  const inputs = sha256(canonicalJson({ ...inputAddresses, '@item': itemAddress }))
  return {
    key: sha256(`step\u0000${stepName}\u0000${base.parts.code}\u0000${base.parts.params}\u0000${inputs}`),
    parts: { ...base.parts, inputs },
  }
}

/** The key of a mapped step as a whole (its collected output): over its elements' keys, in order. */
export function groupKey(stepName: string, base: CacheKey, elementKeys: readonly string[]): CacheKey {
  const inputs = sha256(elementKeys.join('\n'))
  return {
    key: sha256(`map\u0000${stepName}\u0000${base.parts.code}\u0000${base.parts.params}\u0000${inputs}`),
    parts: { ...base.parts, inputs },
  }
}

/**
 * The base key of a mapped step, from which its elements' keys derive: as {@link cacheKey}, but
 * without the list param it maps over (each element's key covers its own item instead, so
 * adding an item to the list does not change the other elements' keys).
 */
export function mappedBaseKey(
  s: Step<string, unknown>,
  params: PipelineParams,
  inputAddresses: Readonly<Record<string, string>>,
  sourceHash?: string,
  root?: string,
): CacheKey {
  const source = s.map?.source
  if (source?.kind !== 'param-list') return cacheKey(s, params, inputAddresses, sourceHash, root)
  const read = (s.params ?? Object.keys(params)).filter((n) => n !== source.param)
  return cacheKey({ ...s, params: read }, params, inputAddresses, sourceHash, root)
}
