import { type CronSchedule, parseCron } from './cron.js'

/** Runs a pipeline once per new commit of a dataset ref. */
export interface CommitTrigger {
  readonly kind: 'commit'
  /** `commit:<dataset>@<ref>` */
  readonly id: string
  readonly dataset: string
  readonly ref: string
}

/** Runs a pipeline on a cron schedule (UTC). */
export interface CronTrigger {
  readonly kind: 'cron'
  /** `cron:<expression>` */
  readonly id: string
  readonly schedule: CronSchedule
}

/** What starts a pipeline without anyone asking: `strata scheduler` (or `strata server`) fires it. */
export type PipelineTrigger = CommitTrigger | CronTrigger

/**
 * A trigger firing once for each new commit of `dataset@ref` (the head when the scheduler
 * looks: commits made between two looks fire once, for the newest). Exactly once per commit,
 * however many schedulers watch the same metadata database.
 *
 * @example
 * pipeline({ name: 'features', steps, triggers: [onCommit('flights@main')] })
 */
export function onCommit(ref: string): CommitTrigger {
  const at = ref.lastIndexOf('@')
  const dataset = at <= 0 ? ref : ref.slice(0, at)
  const branch = at <= 0 ? 'main' : ref.slice(at + 1)
  return { kind: 'commit', id: `commit:${dataset}@${branch}`, dataset, ref: branch }
}

/**
 * A trigger firing on a cron schedule (5 fields, UTC), once per scheduled minute across
 * schedulers. A bad expression fails when the pipeline module loads, naming the field.
 *
 * @example
 * pipeline({ name: 'retrain', steps, triggers: [onCron('0 3 * * *')] })
 */
export function onCron(expression: string): CronTrigger {
  const schedule = parseCron(expression)
  return { kind: 'cron', id: `cron:${schedule.expression.trim()}`, schedule }
}
