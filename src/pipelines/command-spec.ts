import { StrataError } from '../core/errors.js'
import { type FileOutput, type FileRef, isFileOutput } from './file-outputs.js'

/** A type in a command step's JSON contract; `?` at the end makes an output field optional. */
export type ContractType =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'json'
  | 'string[]'
  | 'number[]'
  | 'boolean[]'

/** A contract field: a type, optional when it ends with `?`; or an output file ({@link file}). */
export type ContractField = ContractType | `${ContractType}?` | FileOutput

/** Fields and their types: the params a command reads, or the outputs it must write. */
export type Contract = Readonly<Record<string, ContractField>>

type TypeOf<T extends ContractType> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'string[]'
        ? string[]
        : T extends 'number[]'
          ? number[]
          : T extends 'boolean[]'
            ? boolean[]
            : unknown

type RequiredKeys<C extends Contract> = { [K in keyof C]: C[K] extends `${string}?` ? never : K }[keyof C]
type OptionalKeys<C extends Contract> = Exclude<keyof C, RequiredKeys<C>>

/** The value a contract describes: `{ accuracy: 'number', note: 'string?' }` → `{ accuracy: number; note?: string }`. */
export type ContractValue<C extends Contract> = {
  [K in RequiredKeys<C>]: C[K] extends FileOutput ? FileRef : C[K] extends ContractType ? TypeOf<C[K]> : never
} & {
  [K in OptionalKeys<C>]?: C[K] extends `${infer T extends ContractType}?` ? TypeOf<T> : never
}

/** What a command step runs (on {@link Step.command}). */
export interface CommandSpec {
  /** The program and its arguments, with `{params.x}`, `{inputs.x}`, `{outputs}` and `{dir}` placeholders. */
  readonly argv: readonly string[]
  /** The params it reads, with their types: checked before it starts. */
  readonly params: Contract
  /** The outputs it must write to `outputs.json`: checked when it ends. */
  readonly outputs: Contract
  /**
   * Further files whose content is part of the cache key (a module the script imports, a
   * requirements file), relative to the working directory. Arguments naming existing files
   * are hashed without being listed.
   */
  readonly files: readonly string[]
  /** Working directory, relative to the pipelines module's directory (default: that directory). */
  readonly cwd: string | undefined
  /** Extra environment variables. */
  readonly env: Readonly<Record<string, string>>
}

const TYPES = new Set<string>([
  'string',
  'number',
  'integer',
  'boolean',
  'json',
  'string[]',
  'number[]',
  'boolean[]',
])
const PLACEHOLDER = /\{([^{}]*)\}/g

/** Checks a contract's types at declaration, naming the step and the field. */
export function checkContract(step: string, what: 'params' | 'outputs', contract: Contract): void {
  for (const [field, type] of Object.entries(contract)) {
    if (isFileOutput(type) && what === 'outputs') continue
    if (typeof type !== 'string') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `step "${step}": ${what} field "${field}" is not a type; valid types are ${[...TYPES].join(', ')}${what === 'outputs' ? ", or file('<path>') for an output file" : ''}`,
      )
    }
    const base = type.endsWith('?') ? type.slice(0, -1) : type
    if (!TYPES.has(base) || (what === 'params' && base !== type)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `step "${step}": ${what} field "${field}" has type "${type}"; valid types are ${[...TYPES].join(', ')}${what === 'outputs' ? ' (with "?" for an optional field)' : ''}`,
      )
    }
  }
}

/**
 * Checks a command's placeholders at declaration: `{params.x}` must name a declared param,
 * `{inputs.x}` a declared input (`{inputs.x.f}`: the local path of its output file `f`),
 * `{outputs.f}` a declared output file; `{outputs}` and `{dir}` are the output file and the
 * step directory.
 */
export function checkPlaceholders(
  step: string,
  argv: readonly string[],
  params: readonly string[],
  inputs: readonly string[],
  outputFiles: readonly string[] = [],
): void {
  if (argv.length === 0 || argv[0] === '') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `step "${step}": command is empty; give the program and its arguments`,
    )
  }
  for (const arg of argv) {
    for (const m of arg.matchAll(PLACEHOLDER)) {
      const ref = m[1] as string
      const [kind, name] = ref.split('.', 2) as [string, string | undefined]
      const ok =
        ref === 'outputs' ||
        ref === 'dir' ||
        (kind === 'params' && name !== undefined && params.includes(name)) ||
        (kind === 'inputs' && name !== undefined && inputs.includes(name)) ||
        (kind === 'outputs' && name !== undefined && outputFiles.includes(name))
      if (!ok) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `step "${step}": command argument "${arg}" uses {${ref}}; valid placeholders are ${[
            ...params.map((p) => `{params.${p}}`),
            ...inputs.map((i) => `{inputs.${i}}`),
            ...outputFiles.map((f) => `{outputs.${f}}`),
            '{outputs}',
            '{dir}',
          ].join(', ')}`,
        )
      }
    }
  }
}

/** An argument with its placeholders replaced. */
export function substitute(arg: string, lookup: (ref: string) => string): string {
  return arg.replace(PLACEHOLDER, (_all, ref: string) => lookup(ref))
}

/**
 * Why `value` does not match `contract` (the first offending field, its expected type and what
 * was found), or undefined when it matches. Fields not in the contract are refused too, so a
 * misspelt output is not silently dropped.
 */
export function contractProblem(contract: Contract, value: unknown, what: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${what} must be a JSON object with fields ${Object.keys(contract).join(', ')}, not ${describe(value)}`
  }
  const record = value as Record<string, unknown>
  for (const [field, type] of Object.entries(contract)) {
    if (typeof type !== 'string') continue // an output file: collected from the step directory
    const optional = type.endsWith('?')
    const base = (optional ? type.slice(0, -1) : type) as ContractType
    const v = record[field]
    if (v === undefined) {
      if (optional) continue
      return `${what} field "${field}" is missing (expected ${base})`
    }
    if (!matches(base, v)) return `${what} field "${field}" must be ${base}, not ${describe(v)}`
  }
  for (const field of Object.keys(record)) {
    if (!(field in contract)) {
      return `${what} field "${field}" is not in the contract; declared fields are ${Object.keys(contract).join(', ') || '(none)'}`
    }
  }
  return undefined
}

function matches(type: ContractType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string'
    case 'number':
      return typeof v === 'number' && Number.isFinite(v)
    case 'integer':
      return Number.isInteger(v)
    case 'boolean':
      return typeof v === 'boolean'
    case 'json':
      return true
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string')
    case 'number[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))
    case 'boolean[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'boolean')
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 60)})`
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 60))}`
  if (typeof v === 'object') return 'an object'
  return `the ${typeof v} ${String(v)}`
}
