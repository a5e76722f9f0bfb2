import type { SearchSchema } from '../db/index.js'

/**
 * Pipeline runs (`pipeline_runs as pr`) in the one search language of `src/db/search/`:
 * `pipeline`, `run_name`, `status`, `run_id`, `user_id`, the times and `tags.<key>`; newest
 * first unless ordered otherwise.
 */
export const PIPELINE_RUN_SEARCH_SCHEMA: SearchSchema = {
  subject: 'pipeline runs',
  alias: 'pr',
  attributes: {
    pipeline: { column: 'pipeline', type: 'string' },
    run_name: { column: 'run_name', type: 'string' },
    status: { column: 'status', type: 'string' },
    run_id: { column: 'run_id', type: 'string' },
    user_id: { column: 'user_id', type: 'string' },
    created_at: { column: 'created_at', type: 'number' },
    start_time: { column: 'started_at', type: 'number', nullable: true },
    end_time: { column: 'ended_at', type: 'number', nullable: true },
  },
  tags: { table: 'pipeline_run_tags', link: { run_id: 'run_id' } },
  defaultOrder: ['created_at DESC', 'run_id DESC'],
  pageSize: { default: 100, max: 10_000 },
}
