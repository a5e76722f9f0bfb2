import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { CommandSpec } from './command-spec.js'

/** The directory a command runs in: its `cwd` resolved against `root` (the pipelines module's directory). */
export function commandCwd(spec: CommandSpec, root: string): string {
  return spec.cwd === undefined ? root : resolve(root, spec.cwd)
}

/**
 * The code hash of a command: its arguments (placeholders unexpanded), contract and
 * environment, plus the content of every file it names — arguments that are existing files
 * relative to its working directory, and the declared `files` (a declared file that does not
 * exist fails with `INVALID_ARGUMENT` naming it). Editing `train.py` changes the key.
 */
export function commandHash(spec: CommandSpec, root: string): string {
  const cwd = commandCwd(spec, root)
  const files: Record<string, string> = {}
  for (const arg of spec.argv) {
    if (arg.includes('{') || arg.startsWith('-') || arg === '') continue
    const path = isAbsolute(arg) ? arg : resolve(cwd, arg)
    const hash = fileHash(path)
    if (hash !== undefined) files[arg] = hash
  }
  for (const file of spec.files) {
    const hash = fileHash(isAbsolute(file) ? file : resolve(cwd, file))
    if (hash === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `command file "${file}" (declared in files) does not exist in ${cwd}`,
      )
    }
    files[file] = hash
  }
  // Key order is the declaration's, so one declaration always gives the same text.
  return sha256(
    JSON.stringify({ argv: spec.argv, params: spec.params, outputs: spec.outputs, env: spec.env, files }),
  )
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex')
}

function fileHash(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined
    return sha256(readFileSync(path))
  } catch {
    return undefined
  }
}
