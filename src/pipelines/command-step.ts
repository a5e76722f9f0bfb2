import { StrataError } from '../core/errors.js'
import {
  type CommandSpec,
  type Contract,
  type ContractValue,
  checkContract,
  checkPlaceholders,
} from './command-spec.js'
import { isFileOutput } from './file-outputs.js'
import { checkConcurrency, checkTimeout, type Step, type StepInput } from './step.js'

/** What {@link commandStep} takes. */
export interface CommandStepOptions<
  Name extends string,
  In extends Record<string, StepInput<unknown>>,
  C extends Contract,
> {
  /** Unique within its pipeline: letters, digits, `-` and `_`. */
  name: Name
  /** Named inputs: each is written to `inputs/<name>.json` in the step directory. */
  inputs?: In
  /**
   * The program and its arguments, e.g. `['python3', 'train.py', '--lr', '{params.lr}']`.
   * Placeholders: `{params.x}` (the param's value), `{inputs.x}` (the path of the input's JSON
   * file), `{outputs}` (the path of the `outputs.json` the command must write), `{dir}` (the step
   * directory).
   */
  command: readonly string[]
  /** The params it reads with their types (`{ lr: 'number' }`): checked before it starts, part of its cache key. */
  params?: Contract
  /**
   * The outputs it must write to `outputs.json` (`{ accuracy: 'number', note: 'string?' }`),
   * checked when it ends, and the files it must write to its step directory
   * (`{ model: file('model.onnx') }`), stored content-addressed and passed on as files.
   */
  outputs: C
  /** Further files whose content is part of the cache key (relative to `cwd`). */
  files?: readonly string[]
  /** Working directory, relative to the pipelines module's directory (default: that directory). */
  cwd?: string
  /** Extra environment variables for the command. */
  env?: Record<string, string>
  version?: string
  cache?: boolean
  retries?: number
  retryDelayMs?: number
  /** How long one attempt may run, in ms; then its process group is killed and the attempt fails. */
  timeoutMs?: number
  /** At most this many attempts of this step at once in one engine, across its runs. */
  concurrency?: number
}

/**
 * Declares a step that runs a program in any language. Its step directory holds
 * `params.json`, `inputs/<name>.json` and `contract.json`; the program writes `outputs.json`
 * there (its path is `{outputs}` and `$STRATA_OUTPUTS`), which must match `outputs` — a wrong
 * or missing field fails the step naming the field. Its stdout and stderr are the step's log.
 * A non-zero exit is `USER_CODE` with the exit code and the tail of stderr.
 *
 * @example
 * const evaluate = commandStep({
 *   name: 'evaluate',
 *   inputs: { model: train },
 *   command: ['python3', 'evaluate.py', '--model', '{inputs.model}', '--out', '{outputs}'],
 *   params: { threshold: 'number' },
 *   outputs: { accuracy: 'number' },
 * })
 */
export function commandStep<
  Name extends string,
  C extends Contract,
  In extends Record<string, StepInput<unknown>> = Record<never, never>,
>(options: CommandStepOptions<Name, In, C>): Step<Name, ContractValue<C>> {
  const params = options.params ?? {}
  checkContract(options.name, 'params', params)
  checkContract(options.name, 'outputs', options.outputs)
  const inputs = options.inputs ?? ({} as In)
  const outputFiles = Object.entries(options.outputs)
    .filter(([, t]) => isFileOutput(t))
    .map(([f]) => f)
  checkPlaceholders(options.name, options.command, Object.keys(params), Object.keys(inputs), outputFiles)
  const command: CommandSpec = {
    argv: [...options.command],
    params,
    outputs: options.outputs,
    files: [...(options.files ?? [])],
    cwd: options.cwd,
    env: { ...(options.env ?? {}) },
  }
  return {
    kind: 'step',
    name: options.name,
    inputs,
    params: Object.keys(params),
    version: options.version ?? '',
    cache: options.cache ?? true,
    retries: options.retries ?? 0,
    retryDelayMs: options.retryDelayMs ?? 100,
    timeoutMs: checkTimeout(options.name, options.timeoutMs),
    concurrency: checkConcurrency(options.name, options.concurrency),
    // A child process is already off the main thread.
    isolate: false,
    command,
    run: () => {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `step "${options.name}" is a command step; the step handler runs its command`,
      )
    },
  }
}
