import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Command, Option } from 'commander'
import { StrataError } from '../../core/errors.js'
import {
  type BatchPredictResult,
  batchPredict,
  commitPredictions,
  parsePredictionsTarget,
  resolveBatchInput,
} from '../../serving/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { formatSeconds } from '../output.js'

/** What `strata predict --json` prints: the run, and the commit when the output is a dataset. */
export interface PredictCommandResult extends BatchPredictResult {
  /** The input as resolved: `dataset-commit:<id>` / `training-set:<id>` nodes. */
  inputs: string[]
  /** The output commit, when `--output` named a dataset. */
  commit?: { dataset: string; branch: string; id: string; path: string }
}

/**
 * `strata predict <model> --input <file | dataset[@ref][:path] | training-set> --output
 * <file.parquet | dataset[@branch][:path]>`: batch inference.
 */
export function registerPredict(program: Command, ctx: CliContext): void {
  program
    .command('predict')
    .addHelpText(
      'after',
      examples(
        'strata predict driver-churn@champion -i data/drivers.csv -o predictions.parquet',
        'strata predict driver-churn@champion -i drivers@main --output scored@main --json',
        'strata predict driver-churn@champion -i training-set:churn/1 --output scored:churn-v1.parquet',
      ),
    )
    .description(
      'batch inference: run a registry model over a file, a dataset commit or a saved training set, writing the predictions to Parquet or as a commit of a dataset',
    )
    .argument('<model>', 'registry model: name@alias, name/<version> or name')
    .requiredOption(
      '-i, --input <input>',
      'a local .parquet/.csv file, a dataset commit dataset[@ref][:path] (a file or directory; default every Parquet file) or a saved training set (training-set:name/version)',
    )
    .option(
      '--output <output>',
      'a .parquet file, or a dataset to commit to: dataset[@branch][:path.parquet] (default path predictions.parquet); -o is short for it',
    )
    .addOption(new Option('-o, --out <file>', 'the same as --output').hideHelp())
    .option('--chunk-rows <n>', 'rows per model call', '4096')
    .option('--parallel <n>', 'model calls at once, each on its own worker thread (default: CPUs, at most 4)')
    .option('-m, --message <text>', 'commit message of a dataset output')
    .action(
      ctx.action(
        async (
          out,
          model: string,
          opts: {
            input: string
            output?: string
            out?: string
            chunkRows: string
            parallel?: string
            message?: string
          },
        ) => {
          const chunkRows = wholeNumber('--chunk-rows', opts.chunkRows, 1)
          const parallel =
            opts.parallel === undefined
              ? Math.max(1, Math.min(4, availableParallelism()))
              : wholeNumber('--parallel', opts.parallel, 1)
          const output = opts.output ?? opts.out
          if (output === undefined)
            throw new StrataError(
              'INVALID_ARGUMENT',
              '--output is required: a .parquet file or a dataset (dataset[@branch][:path.parquet])',
            )
          const toFile =
            output.toLowerCase().endsWith('.parquet') && !output.includes(':') && !output.includes('@')
          const target = toFile ? undefined : parsePredictionsTarget(output)
          await using strata = await ctx.openStrata()
          const input = await resolveBatchInput(opts.input, ctx.resolvePath(opts.input), () => strata.data())
          const server = await strata.serving()
          const loading = out.progress(`loading ${model}`)
          const deployment = `batch:${model}`
          const served = await server.deploy(model, { as: deployment, batching: false, threads: parallel })
          loading.finish(`version ${served.version} ready`)
          const work = target === undefined ? undefined : await mkdtemp(join(tmpdir(), 'strata-predict-out-'))
          try {
            const file = work === undefined ? ctx.resolvePath(output) : join(work, 'predictions.parquet')
            const progress = out.progress(`predicting with ${served.name}/${served.version}`)
            let counted = 0
            const result = await batchPredict({
              server,
              engine: await strata.offline(),
              lineage: await strata.lineage(),
              deployment,
              input: input.files,
              format: input.format,
              output: file,
              inputNodes: input.nodes,
              chunkRows,
              parallel,
              onProgress: (done, total) => {
                progress.tick(done - counted, total)
                counted = done
              },
            })
            progress.finish(`${result.rows} rows`)
            const report: PredictCommandResult = { ...result, inputs: input.nodes }
            if (target !== undefined) {
              const committing = out.progress(`committing to ${output}`)
              const path = target.path ?? 'predictions.parquet'
              const commit = await commitPredictions({
                repo: await strata.data(),
                engine: await strata.offline(),
                lineage: await strata.lineage(),
                target,
                file,
                node: result.node,
                message:
                  opts.message ??
                  `${result.rows} predictions by ${result.modelName}/${result.modelVersion} on ${input.label}`,
                metadata: {
                  model: `${result.modelName}/${result.modelVersion}`,
                  input: input.label,
                  ...(input.nodes[0] === undefined ? {} : { inputNode: input.nodes[0] }),
                  predictionBatch: result.node,
                  rows: String(result.rows),
                },
              })
              committing.finish(commit.id.slice(0, 12))
              const branch =
                target.branch ?? (await (await strata.data()).getDataset(target.dataset)).defaultBranch
              report.commit = { dataset: target.dataset, branch, id: commit.id, path }
              report.output = `${target.dataset}@${commit.id.slice(0, 12)}:${path}`
            }
            out.result(report, () =>
              [
                `${result.rows} predictions by ${result.modelName}/${result.modelVersion} → ${report.output} (${formatSeconds(result.seconds)})`,
                `  outputs  ${result.outputs.join(', ')}`,
                `  lineage  strata lineage ${report.commit === undefined ? result.node : `dataset-commit:${report.commit.id}`}`,
              ].join('\n'),
            )
          } finally {
            await server.undeploy(deployment)
            if (work !== undefined) await rm(work, { recursive: true, force: true })
          }
        },
      ),
    )
}
