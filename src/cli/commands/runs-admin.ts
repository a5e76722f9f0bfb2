import { createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { ArtifactEntry, TrackingStore } from '../../tracking/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { counted, formatBytes, formatTable } from '../output.js'

/** `strata runs delete|restore|artifacts|download`, registered on the `runs` command. */
export function registerRunAdmin(runs: Command, ctx: CliContext): void {
  for (const [verb, description] of [
    ['delete', 'delete a run (restorable with "strata runs restore")'],
    ['restore', 'restore a deleted run'],
  ] as const) {
    runs
      .command(verb)
      .description(description)
      .argument('<run>', 'run id (or a unique prefix of at least 4 characters)')
      .addHelpText('after', examples(`strata runs ${verb} 3f2a9c`))
      .action(
        ctx.action(async (out, id: string) => {
          await using strata = await ctx.openStrata()
          const tracking = await strata.tracking()
          const runId = await tracking.runs.resolveId(id)
          if (verb === 'delete') await tracking.runs.delete(runId)
          else await tracking.runs.restore(runId)
          const run = await tracking.runs.get(runId)
          out.result(run.info, () => `${verb}d run ${runId} (${run.info.runName})`)
        }),
      )
  }

  runs
    .command('artifacts')
    .description("list a run's artifacts (one directory level)")
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[path]', 'directory inside the run’s artifacts', '')
    .addHelpText('after', examples('strata runs artifacts 3f2a9c', 'strata runs artifacts 3f2a9c model'))
    .action(
      ctx.action(async (out, id: string, path: string) => {
        await using strata = await ctx.openStrata()
        const tracking = await strata.tracking()
        const runId = await tracking.runs.resolveId(id)
        const entries = await tracking.runs.listArtifacts(runId, path)
        out.result({ runId, path, artifacts: entries }, () =>
          entries.length === 0
            ? `no artifacts under "${path || '/'}" in run ${runId}`
            : formatTable(
                ['path', 'size'],
                entries.map((e) => [
                  e.isDir ? `${e.path}/` : e.path,
                  e.isDir ? '' : formatBytes(e.fileSize ?? 0),
                ]),
              ),
        )
      }),
    )

  runs
    .command('download')
    .description("download a run's artifact file or directory")
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('<path>', 'artifact file or directory inside the run')
    .option('-o, --out <dir>', 'directory to write into (default: the working directory)', '.')
    .addHelpText('after', examples('strata runs download 3f2a9c model/model.onnx --out models'))
    .action(
      ctx.action(async (out, id: string, path: string, opts: { out: string }) => {
        await using strata = await ctx.openStrata()
        const tracking = await strata.tracking()
        const runId = await tracking.runs.resolveId(id)
        const target = ctx.resolvePath(opts.out)
        const files = await artifactFiles(tracking, runId, path)
        const progress = out.progress(`downloading ${counted(files.length, 'file')}`, files.length)
        let bytes = 0
        const written: string[] = []
        const clean = cleanPath(path)
        const single = files.length === 1 && files[0] === clean
        for (const file of files) {
          // A file lands as <out>/<its name>; a directory as <out>/<its name>/<path inside it>.
          const inside = clean === '' ? file : file.slice(clean.length + 1)
          const dest = join(target, single ? basename(clean) : join(basename(clean), inside))
          await writeAtomically(dest, Readable.from(await tracking.runs.openArtifact(runId, file)))
          bytes += statSync(dest).size
          written.push(dest)
          progress.tick()
        }
        progress.finish()
        out.result(
          { runId, path, files: written, bytes },
          () => `downloaded ${counted(written.length, 'file')} (${formatBytes(bytes)}) to ${target}`,
        )
      }),
    )
}

/** The artifact files at `path`: the file itself, or every file under the directory. */
async function artifactFiles(tracking: TrackingStore, runId: string, path: string): Promise<string[]> {
  const clean = cleanPath(path)
  const parent = clean.includes('/') ? clean.slice(0, clean.lastIndexOf('/')) : ''
  const siblings = await tracking.runs.listArtifacts(runId, parent)
  const self = siblings.find((e) => e.path === clean)
  if (self !== undefined && !self.isDir) return [clean]
  const files: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries: ArtifactEntry[] = await tracking.runs.listArtifacts(runId, dir)
    for (const e of entries) {
      if (e.isDir) await walk(e.path)
      else files.push(e.path)
    }
  }
  await walk(clean)
  if (files.length === 0) {
    throw new StrataError(
      'NOT_FOUND',
      `run ${runId} has no artifact "${clean}"; list them with "strata runs artifacts ${runId}"`,
    )
  }
  return files
}

/** Streams into `dest` through a temporary file, so an interrupted download leaves no partial file. */
async function writeAtomically(dest: string, body: Readable): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true })
  const partial = `${dest}.partial-${process.pid}`
  try {
    await pipeline(body, createWriteStream(partial))
    renameSync(partial, dest)
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  }
}

/** An artifact path without leading or trailing slashes (`''` is the run's artifact root). */
function cleanPath(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '')
}
