import { existsSync } from 'node:fs'
import { extname } from 'node:path'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import { batchPredict } from '../../serving/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { formatSeconds } from '../output.js'
import { parseDataRef } from './data-format.js'

/** `strata predict <model> --input <file | dataset@ref:path> --out <file.parquet>`: batch inference. */
export function registerPredict(program: Command, ctx: CliContext): void {
  program
    .command('predict')
    .addHelpText(
      'after',
      examples(
        'strata predict driver-churn@champion -i data/drivers.csv -o predictions.parquet',
        'strata predict driver-churn@champion -i drivers@main:drivers.csv -o out.parquet --json',
      ),
    )
    .description(
      'batch inference: run a registry model over a Parquet/CSV file or dataset file, writing predictions to Parquet',
    )
    .argument('<model>', 'registry model: name@alias, name/<version> or name')
    .requiredOption(
      '-i, --input <input>',
      'a local .parquet/.csv file, or a dataset file as dataset[@ref]:path (e.g. flights@main:march.parquet)',
    )
    .requiredOption(
      '-o, --out <file>',
      'the Parquet file to write: the input rows plus one column per model output',
    )
    .option('--chunk-rows <n>', 'rows per model call', '4096')
    .action(
      ctx.action(async (out, model: string, opts: { input: string; out: string; chunkRows: string }) => {
        const chunkRows = wholeNumber('--chunk-rows', opts.chunkRows, 1)
        if (!opts.out.toLowerCase().endsWith('.parquet'))
          throw new StrataError(
            'INVALID_ARGUMENT',
            `--out "${opts.out}" is invalid; expected a .parquet path`,
          )
        await using strata = await ctx.openStrata()
        let input = ctx.resolvePath(opts.input)
        const inputNodes: string[] = []
        let format: 'parquet' | 'csv' | undefined
        if (!existsSync(input)) {
          if (!opts.input.includes(':') && !opts.input.includes('@'))
            throw new StrataError(
              'NOT_FOUND',
              `--input "${opts.input}" is neither a local file nor a dataset file reference (dataset[@ref]:path)`,
            )
          const ref = parseDataRef(opts.input)
          if (ref.path === undefined)
            throw new StrataError(
              'INVALID_ARGUMENT',
              `--input "${opts.input}" names no file; expected dataset[@ref]:path, e.g. ${ref.dataset}@main:data.parquet`,
            )
          const repo = await strata.data()
          const commitRef = ref.ref ?? (await repo.getDataset(ref.dataset)).defaultBranch
          const commit = await repo.resolve(ref.dataset, commitRef)
          input = await repo.localFile(ref.dataset, commit.id, ref.path)
          inputNodes.push(`dataset-commit:${commit.id}`)
          // the local copy is content-addressed: its format comes from the dataset path
          const ext = extname(ref.path).toLowerCase()
          format = ext === '.csv' || ext === '.tsv' ? 'csv' : ext === '.parquet' ? 'parquet' : undefined
          if (format === undefined)
            throw new StrataError(
              'INVALID_ARGUMENT',
              `--input "${opts.input}" is not a Parquet or CSV file; expected a path ending in .parquet, .csv or .tsv`,
            )
        }
        const server = await strata.serving()
        const loading = out.progress(`loading ${model}`)
        const served = await server.deploy(model, { as: `batch:${model}`, batching: false })
        loading.finish(`version ${served.version} ready`)
        const progress = out.progress(`predicting with ${served.name}/${served.version}`)
        let counted = 0
        const result = await batchPredict({
          server,
          engine: await strata.offline(),
          lineage: await strata.lineage(),
          deployment: `batch:${model}`,
          input,
          output: ctx.resolvePath(opts.out),
          inputNodes,
          ...(format === undefined ? {} : { format }),
          chunkRows,
          onProgress: (done, total) => {
            progress.tick(done - counted, total)
            counted = done
          },
        })
        progress.finish(`${result.rows} rows`)
        out.result(result, () =>
          [
            `${result.rows} predictions by ${result.modelName}/${result.modelVersion} → ${opts.out} (${formatSeconds(result.seconds)})`,
            `  outputs  ${result.outputs.join(', ')}`,
            `  lineage  strata lineage ${result.node}`,
          ].join('\n'),
        )
      }),
    )
}
