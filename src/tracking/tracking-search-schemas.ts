import type { SearchSchema } from '../db/index.js'
import { TRACKING_LIMITS } from './tracking-validation.js'

const pageSize = { default: TRACKING_LIMITS.searchDefaultResults, max: TRACKING_LIMITS.searchMaxResults }

/** Runs (`tracking_runs as r`): MLflow's searchable run attributes with its aliases (`created`, `run name`). */
export const RUN_SEARCH_SCHEMA: SearchSchema = {
  subject: 'runs',
  alias: 'r',
  attributes: {
    run_id: { column: 'run_id', type: 'string' },
    run_uuid: { column: 'run_id', type: 'string' },
    run_name: { column: 'run_name', type: 'string' },
    'run name': { column: 'run_name', type: 'string' },
    'Run name': { column: 'run_name', type: 'string' },
    'Run Name': { column: 'run_name', type: 'string' },
    status: { column: 'status', type: 'string' },
    user_id: { column: 'user_id', type: 'string' },
    artifact_uri: { column: 'artifact_uri', type: 'string' },
    experiment_id: { column: 'experiment_id', type: 'string', sort: 'decimal' },
    lifecycle_stage: { column: 'lifecycle_stage', type: 'string' },
    start_time: { column: 'start_time', type: 'number' },
    created: { column: 'start_time', type: 'number' },
    Created: { column: 'start_time', type: 'number' },
    end_time: { column: 'end_time', type: 'number', nullable: true },
  },
  metrics: {
    table: 'tracking_latest_metrics',
    link: { run_id: 'run_id' },
    nanColumn: 'is_nan',
    unique: true,
  },
  params: { table: 'tracking_params', link: { run_id: 'run_id' }, unique: true },
  tags: { table: 'tracking_tags', link: { run_id: 'run_id' }, unique: true },
  datasets: {
    from: 'tracking_run_inputs i join tracking_datasets d on d.dataset_id = i.dataset_id',
    link: 'i.run_id = r.run_id',
    fields: { name: 'd.name', digest: 'd.digest', context: 'i.context' },
  },
  defaultOrder: ['start_time DESC', 'run_id ASC'],
  pageSize,
}

/** Experiments (`tracking_experiments as e`): name, id and times, plus tags; newest first. */
export const EXPERIMENT_SEARCH_SCHEMA: SearchSchema = {
  subject: 'experiments',
  alias: 'e',
  attributes: {
    name: { column: 'name', type: 'string' },
    experiment_id: { column: 'experiment_id', type: 'string', sort: 'decimal' },
    creation_time: { column: 'creation_time', type: 'number' },
    last_update_time: { column: 'last_update_time', type: 'number' },
  },
  tags: { table: 'tracking_experiment_tags', link: { experiment_id: 'experiment_id' } },
  defaultOrder: ['creation_time DESC', 'experiment_id ASC'],
  pageSize,
}

/** MLflow 3 logged models (`tracking_logged_models as lm`); pages of at most 50, as MLflow. */
export const LOGGED_MODEL_SEARCH_SCHEMA: SearchSchema = {
  subject: 'logged models',
  alias: 'lm',
  attributes: {
    model_id: { column: 'model_id', type: 'string' },
    name: { column: 'name', type: 'string' },
    status: { column: 'status', type: 'string' },
    model_type: { column: 'model_type', type: 'string', nullable: true },
    source_run_id: { column: 'source_run_id', type: 'string', nullable: true },
    experiment_id: { column: 'experiment_id', type: 'string', sort: 'decimal' },
    creation_time: { column: 'creation_time', type: 'number' },
    creation_timestamp: { column: 'creation_time', type: 'number' },
    last_updated_timestamp: { column: 'last_updated_time', type: 'number' },
  },
  metrics: { table: 'tracking_logged_model_metrics', link: { model_id: 'model_id' }, nanColumn: 'is_nan' },
  params: { table: 'tracking_logged_model_params', link: { model_id: 'model_id' } },
  tags: { table: 'tracking_logged_model_tags', link: { model_id: 'model_id' } },
  defaultOrder: ['creation_time DESC', 'model_id ASC'],
  pageSize: { default: 50, max: 50 },
}
