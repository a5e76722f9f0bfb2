import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, relative, resolve } from 'node:path'

/** Relative specifiers in `import … from`, `export … from`, `import(…)` and `require(…)`. */
const LOCAL_SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g
const EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.json']

/**
 * sha256 over a module's source and the sources of every local module it imports, transitively
 * (relative specifiers only: packages are not the project's code). A step's `run` function text
 * alone misses what it calls — a helper in another file, a constant at the top of the module —
 * so a pipeline's steps fold this hash into their code hash: editing any of those files reruns
 * them instead of silently reusing an output computed by the old code.
 */
export function sourceClosureHash(entry: string): string {
  const hash = createHash('sha256')
  const root = dirname(entry)
  const seen = new Set<string>()
  const pending = [resolve(entry)]
  const files: string[] = []
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    files.push(file)
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(LOCAL_SPECIFIER)) {
      const target = resolveLocal(dirname(file), match[2] as string)
      if (target !== undefined && !seen.has(target)) pending.push(target)
    }
  }
  for (const file of files.sort()) {
    hash
      .update(`${relative(root, file)}\u0000`)
      .update(readFileSync(file))
      .update('\u0000')
  }
  return hash.digest('hex')
}

/** The file a relative specifier names, as TypeScript resolves it (`./x.js` may be `./x.ts`). */
function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(from, specifier)
  const ext = extname(base)
  const stem = ext === '' ? base : base.slice(0, -ext.length)
  const candidates = [
    base,
    ...EXTENSIONS.map((e) => `${stem}${e}`),
    ...EXTENSIONS.map((e) => resolve(base, `index${e}`)),
  ]
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}
