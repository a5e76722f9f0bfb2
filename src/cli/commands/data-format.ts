import { StrataError } from '../../core/errors.js'
import type { Commit, Progress as DataProgress, DatasetDiff, FileEntry } from '../../data/index.js'
import { counted, formatBytes, formatTime, type Output, type Progress } from '../output.js'

/** A parsed `dataset@ref:path` argument; `ref` and `path` are absent when not written. */
export interface DataRefArg {
  dataset: string
  ref?: string
  path?: string
}

/**
 * Parses the CLI's dataset reference syntax `dataset[@ref][:path]`, e.g. `flights`,
 * `flights@v1`, `flights@main~2:raw/2024.csv`, `flights:raw`.
 */
export function parseDataRef(arg: string): DataRefArg {
  const m = /^([^@:]+)(?:@([^:]*))?(?::(.*))?$/.exec(arg)
  if (m === null || m[1] === undefined || m[2] === '') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `"${arg}" is not a dataset reference; expected dataset[@ref][:path], e.g. "flights", "flights@v1" or "flights@main:raw/2024.csv"`,
    )
  }
  const out: DataRefArg = { dataset: m[1] }
  if (m[2] !== undefined) out.ref = m[2]
  if (m[3] !== undefined) out.path = m[3]
  return out
}

/** One line per commit, like `git log --oneline` with stats. */
export function commitLine(c: Commit): string {
  const when = formatTime(c.createdAt)
  const s = c.stats
  return `${c.id.slice(0, 12)}  ${when}  ${c.author}  ${c.message.split('\n')[0]}  (+${s.added} ~${s.changed} -${s.removed}; ${counted(s.files, 'file')}, ${formatBytes(s.bytes)})`
}

/** A commit's full description. */
export function commitDetails(c: Commit): string {
  const lines = [
    `commit ${c.id}`,
    ...c.parents.map((p, i) => `${i === 0 ? 'parent' : 'merged'} ${p}`),
    `author ${c.author}`,
    `date   ${new Date(c.createdAt).toISOString()}`,
    `tree   ${c.tree}`,
    ...Object.entries(c.metadata).map(([k, v]) => `meta   ${k}=${v}`),
    '',
    ...c.message.split('\n').map((l) => `    ${l}`),
    '',
    `${counted(c.stats.files, 'file')}, ${formatBytes(c.stats.bytes)}; +${c.stats.added} ~${c.stats.changed} -${c.stats.removed} since the first parent`,
  ]
  return lines.join('\n')
}

/** Files as an aligned listing. */
export function fileLines(files: FileEntry[]): string {
  if (files.length === 0) return '(no files)'
  const width = Math.max(...files.map((f) => formatBytes(f.size).length))
  return files
    .map((f) => {
      const table =
        f.table === undefined
          ? ''
          : `  [${f.table.format}: ${f.table.rows} rows × ${f.table.columns.length} cols]`
      return `${formatBytes(f.size).padStart(width)}  ${f.object.slice(0, 12)}  ${f.path}${table}`
    })
    .join('\n')
}

/** A diff for people: `A`/`D`/`M` lines, tabular details indented. */
export function diffLines(d: DatasetDiff): string {
  const lines: string[] = []
  for (const f of d.added) lines.push(`A  ${f.path}  (${formatBytes(f.size)})`)
  for (const f of d.removed) lines.push(`D  ${f.path}  (${formatBytes(f.size)})`)
  for (const c of d.changed) {
    lines.push(`M  ${c.path}  (${formatBytes(c.before.size)} → ${formatBytes(c.after.size)})`)
    const t = c.table
    if (t === undefined) continue
    lines.push(`     rows ${t.rowsBefore} → ${t.rowsAfter}`)
    if (t.columnsAdded.length > 0) lines.push(`     columns added: ${t.columnsAdded.join(', ')}`)
    if (t.columnsRemoved.length > 0) lines.push(`     columns removed: ${t.columnsRemoved.join(', ')}`)
    for (const ty of t.typesChanged) lines.push(`     column ${ty.name}: ${ty.before} → ${ty.after}`)
    if (t.byKey !== undefined) {
      const k = t.byKey
      lines.push(
        `     by key (${k.key.join(', ')}): +${k.added} added, -${k.removed} removed, ~${k.changed} changed, ${k.unchanged} unchanged`,
      )
    }
  }
  const s = d.summary
  lines.push(`${s.added} added, ${s.removed} removed, ${s.changed} changed`)
  return lines.join('\n')
}

/** Turns repository progress events into progress bars on stderr, one per phase. */
export function progressBars(out: Output): { onProgress: (p: DataProgress) => void; finish: () => void } {
  let phase: string | undefined
  let bar: Progress | undefined
  let last = 0
  const labels: Record<string, string> = {
    validate: 'validating',
    store: 'storing',
    export: 'exporting',
    verify: 'verifying',
  }
  return {
    onProgress: (p) => {
      const label = labels[p.phase]
      if (label === undefined) return
      if (p.phase !== phase) {
        bar?.finish()
        phase = p.phase
        bar = out.progress(label, p.total)
        last = 0
      }
      bar?.tick(p.done - last, p.total)
      last = p.done
    },
    finish: () => {
      bar?.finish()
      bar = undefined
    },
  }
}
