import type { PayloadLogStats } from './payload-log/index.js'

/** Histogram bucket bounds (seconds) for request, queue and compute durations. */
const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]
/** Bucket bounds for the rows per model call. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

class Histogram {
  readonly counts: number[]
  sum = 0
  count = 0
  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0)
  }
  observe(v: number): void {
    this.sum += v
    this.count++
    for (let i = 0; i < this.bounds.length; i++)
      if (v <= (this.bounds[i] as number)) (this.counts[i] as number)++
  }
}

interface ModelSeries {
  success: number
  failure: number
  request: Histogram
  queue: Histogram
  compute: Histogram
  batch: Histogram
}

const HELP: [string, string, string][] = [
  ['strata_inference_request_success_total', 'counter', 'Inference requests answered successfully'],
  ['strata_inference_request_failure_total', 'counter', 'Inference requests that failed (any reason)'],
  [
    'strata_inference_request_duration_seconds',
    'histogram',
    'Total time of an inference request in the model server',
  ],
  [
    'strata_inference_queue_duration_seconds',
    'histogram',
    'Time a request waited (batching queue, worker) before the model ran',
  ],
  ['strata_inference_compute_duration_seconds', 'histogram', 'Time of each model call (one per batch)'],
  ['strata_inference_batch_size', 'histogram', 'Rows per model call (after dynamic batching)'],
]

/**
 * The model server's Prometheus metrics, labelled by model and version (names follow Triton's
 * `nv_inference_*` and KServe's request/queue/compute split): request successes and failures,
 * request, queue and compute duration histograms, and rows per model call. Rendered as the
 * Prometheus text format (version 0.0.4).
 */
export class ServingMetrics {
  private readonly series = new Map<string, ModelSeries>()

  private of(model: string, version: string): ModelSeries {
    const key = JSON.stringify([model, version])
    let s = this.series.get(key)
    if (s === undefined) {
      s = {
        success: 0,
        failure: 0,
        request: new Histogram(DURATION_BUCKETS),
        queue: new Histogram(DURATION_BUCKETS),
        compute: new Histogram(DURATION_BUCKETS),
        batch: new Histogram(BATCH_BUCKETS),
      }
      this.series.set(key, s)
    }
    return s
  }

  /** Records one request that reached the model server: its outcome and total seconds. */
  request(model: string, version: string, ok: boolean, seconds: number): void {
    const s = this.of(model, version)
    if (ok) s.success++
    else s.failure++
    s.request.observe(seconds)
  }

  /** Records how long one request waited before its model call started. */
  queued(model: string, version: string, seconds: number): void {
    this.of(model, version).queue.observe(seconds)
  }

  /** Records one model call: its rows and seconds. */
  call(model: string, version: string, rows: number, seconds: number): void {
    const s = this.of(model, version)
    s.batch.observe(rows)
    s.compute.observe(seconds)
  }

  /** The Prometheus text exposition of every series. */
  render(payload?: PayloadLogStats): string {
    const lines: string[] = []
    const entries = [...this.series.entries()].map(([k, s]) => {
      const [model, version] = JSON.parse(k) as [string, string]
      return { labels: `model="${escapeLabel(model)}",version="${escapeLabel(version)}"`, s }
    })
    const pick: ((s: ModelSeries) => number | Histogram)[] = [
      (s) => s.success,
      (s) => s.failure,
      (s) => s.request,
      (s) => s.queue,
      (s) => s.compute,
      (s) => s.batch,
    ]
    HELP.forEach(([name, type, help], i) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const { labels, s } of entries) {
        const v = (pick[i] as (s: ModelSeries) => number | Histogram)(s)
        if (typeof v === 'number') {
          lines.push(`${name}{${labels}} ${v}`)
          continue
        }
        for (const [j, b] of v.bounds.entries())
          lines.push(`${name}_bucket{${labels},le="${b}"} ${v.counts[j]}`)
        lines.push(
          `${name}_bucket{${labels},le="+Inf"} ${v.count}`,
          `${name}_sum{${labels}} ${v.sum}`,
          `${name}_count{${labels}} ${v.count}`,
        )
      }
    })
    if (payload !== undefined) {
      for (const [name, type, help, value] of [
        [
          'strata_payload_log_queue_depth',
          'gauge',
          'Predictions waiting to be written to the payload log.',
          payload.queued,
        ],
        [
          'strata_payload_log_written_total',
          'counter',
          'Predictions written to the payload log.',
          payload.written,
        ],
        [
          'strata_payload_log_dropped_total',
          'counter',
          'Predictions dropped because the payload log queue was full.',
          payload.dropped,
        ],
        [
          'strata_payload_log_sampled_out_total',
          'counter',
          'Predictions not logged by sampling.',
          payload.sampledOut,
        ],
        [
          'strata_payload_log_failed_writes_total',
          'counter',
          'Payload log writes that failed (their predictions were retried).',
          payload.failedWrites,
        ],
      ] as const)
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`)
    }
    return `${lines.join('\n')}\n`
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
