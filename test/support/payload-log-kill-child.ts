/**
 * The subprocess of `src/serving/payload-log/payload-log.kill.test.ts`: opens the project in
 * `KILL_CHILD_DIR` (its metadata in `KILL_CHILD_METADATA`, default SQLite), serves
 * `linear@champion` and predicts in a loop, printing `predicted <id>` for each prediction and,
 * every few predictions, `flushed <n>` once the first `n` predicted ids are written — so the
 * parent can SIGKILL it anywhere and know what must have survived.
 */
import { openStrata } from '../../src/platform/index.js'

export async function runPayloadLogKillChild(): Promise<void> {
  const dir = process.env.KILL_CHILD_DIR ?? ''
  const metadata = process.env.KILL_CHILD_METADATA
  const strata = await openStrata({
    cwd: dir,
    config: {
      project: 'payload-kill',
      ...(metadata === undefined ? {} : { metadata }),
      payloadLog: { flushIntervalMs: 5, maxBatch: 7 },
    },
  })
  const server = await strata.serving()
  await server.deploy('linear@champion')
  let predicted = 0
  for (let i = 0; ; i++) {
    const result = await server.infer('linear', undefined, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([i, 1, 2]) }],
    })
    predicted++
    process.stdout.write(`predicted ${result.predictionId}\n`)
    if (i % 5 === 4) {
      const n = predicted
      await server.flushPayloadLog()
      process.stdout.write(`flushed ${n}\n`)
    }
  }
}
