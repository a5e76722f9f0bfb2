import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import { writeTransaction } from '../../db/index.js'
import type { MonitorDefinition } from './monitor-definition.js'
import { monitor } from './monitor-definition.js'
import type { MonitoringTables } from './monitor-migrations.js'
import type { ActionOutcome, MonitorResult, ResultStatus, StoredDetails } from './monitor-types.js'

const num = (v: unknown): number => Number(v)

/** A new random id (hex). */
export function newId(): string {
  return randomBytes(12).toString('hex')
}

/** An incident: consecutive alerting windows of one monitor, alerted once. */
export interface Incident {
  id: string
  monitor: string
  openedAt: number
  closedAt: number | null
  firstWindowStart: number
  lastWindowEnd: number
  windows: number
  notifiedAt: number | null
  actions: ActionOutcome[]
}

function incidentOf(r: MonitoringTables['monitoring_incidents']): Incident {
  return {
    id: r.id,
    monitor: r.monitor,
    openedAt: num(r.opened_at),
    closedAt: r.closed_at === null ? null : num(r.closed_at),
    firstWindowStart: num(r.first_window_start),
    lastWindowEnd: num(r.last_window_end),
    windows: num(r.windows),
    notifiedAt: r.notified_at === null ? null : num(r.notified_at),
    actions: JSON.parse(r.actions) as ActionOutcome[],
  }
}

function resultOf(r: MonitoringTables['monitoring_results']): MonitorResult {
  return {
    id: r.id,
    monitor: r.monitor,
    windowStart: num(r.window_start),
    windowEnd: num(r.window_end),
    model: r.model,
    referenceVersion: num(r.reference_version),
    status: r.status as ResultStatus,
    rows: num(r.rows),
    tested: num(r.tested),
    drifted: num(r.drifted),
    datasetDrift: num(r.dataset_drift) === 1,
    qualityFailed: num(r.quality_failed),
    incidentId: r.incident_id,
    createdAt: num(r.created_at),
  }
}

/** Applied monitors, their window results (a time series) and incidents, in the metadata database. */
export class MonitorStore {
  private readonly db: Kysely<MonitoringTables>

  constructor(private readonly ctx: ServiceContext) {
    this.db = ctx.metadata.db as unknown as Kysely<MonitoringTables>
  }

  /** Stores the definitions (replacing those of the same name); returns which were created, changed or unchanged. */
  async apply(
    defs: readonly MonitorDefinition[],
  ): Promise<{ created: string[]; updated: string[]; unchanged: string[] }> {
    const out = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] }
    await writeTransaction(this.db, async (trx) => {
      for (const def of defs) {
        const spec = JSON.stringify(def)
        const prev = await trx
          .selectFrom('monitoring_monitors')
          .select('spec')
          .where('name', '=', def.name)
          .executeTakeFirst()
        if (prev?.spec === spec) {
          out.unchanged.push(def.name)
          continue
        }
        if (prev === undefined) {
          await trx
            .insertInto('monitoring_monitors')
            .values({
              name: def.name,
              spec,
              applied_at: this.ctx.clock.now(),
              applied_by: this.ctx.principal.id,
            })
            .execute()
          out.created.push(def.name)
        } else {
          await trx
            .updateTable('monitoring_monitors')
            .set({ spec, applied_at: this.ctx.clock.now(), applied_by: this.ctx.principal.id })
            .where('name', '=', def.name)
            .execute()
          out.updated.push(def.name)
        }
      }
    })
    return out
  }

  /** An applied monitor; `NOT_FOUND` naming the applied ones. */
  async get(name: string): Promise<MonitorDefinition> {
    const row = await this.db
      .selectFrom('monitoring_monitors')
      .select('spec')
      .where('name', '=', name)
      .executeTakeFirst()
    if (row === undefined) {
      const names = (await this.list()).map((m) => m.name)
      throw new StrataError(
        'NOT_FOUND',
        `monitor "${name}" is not applied; ${names.length === 0 ? 'no monitor is: declare monitor(...) in the monitors module and run "strata apply"' : `applied monitors: ${names.join(', ')}`}`,
        { details: { monitor: name, applied: names } },
      )
    }
    return monitor(JSON.parse(row.spec) as MonitorDefinition)
  }

  /** Every applied monitor, by name. */
  async list(): Promise<MonitorDefinition[]> {
    const rows = await this.db.selectFrom('monitoring_monitors').select('spec').orderBy('name').execute()
    return rows.map((r) => monitor(JSON.parse(r.spec) as MonitorDefinition))
  }

  /**
   * Records a window's result and moves the monitor's incident in the same transaction: an
   * alerting window opens an incident (or extends the open one), a healthy window closes it,
   * a window without data leaves it as it is. Re-running a window replaces its result.
   * Returns the stored result and the incident it belongs to (if any).
   */
  async record(
    result: Omit<MonitorResult, 'id' | 'incidentId' | 'createdAt'>,
    details: StoredDetails,
  ): Promise<{ result: MonitorResult; incident: Incident | undefined; opened: boolean }> {
    return writeTransaction(this.db, async (trx) => {
      const now = this.ctx.clock.now()
      const open = await trx
        .selectFrom('monitoring_incidents')
        .selectAll()
        .where('monitor', '=', result.monitor)
        .where('closed_at', 'is', null)
        .executeTakeFirst()
      let incident = open === undefined ? undefined : incidentOf(open)
      let opened = false
      if (result.status === 'alert') {
        if (incident === undefined) {
          incident = {
            id: newId(),
            monitor: result.monitor,
            openedAt: now,
            closedAt: null,
            firstWindowStart: result.windowStart,
            lastWindowEnd: result.windowEnd,
            windows: 1,
            notifiedAt: null,
            actions: [],
          }
          await trx
            .insertInto('monitoring_incidents')
            .values({
              id: incident.id,
              monitor: incident.monitor,
              opened_at: now,
              closed_at: null,
              first_window_start: result.windowStart,
              last_window_end: result.windowEnd,
              windows: 1,
              notified_at: null,
              actions: '[]',
            })
            .execute()
          opened = true
        } else {
          // a window run again (its result is replaced below) is already one of the incident's
          const rerun = await trx
            .selectFrom('monitoring_results')
            .select('id')
            .where('monitor', '=', result.monitor)
            .where('window_start', '=', result.windowStart)
            .where('incident_id', '=', incident.id)
            .executeTakeFirst()
          incident = {
            ...incident,
            windows: incident.windows + (rerun === undefined ? 1 : 0),
            lastWindowEnd: Math.max(incident.lastWindowEnd, result.windowEnd),
          }
          await trx
            .updateTable('monitoring_incidents')
            .set({ windows: incident.windows, last_window_end: incident.lastWindowEnd })
            .where('id', '=', incident.id)
            .execute()
        }
      } else if (result.status === 'ok' && incident !== undefined) {
        await trx
          .updateTable('monitoring_incidents')
          .set({ closed_at: now })
          .where('id', '=', incident.id)
          .execute()
        incident = { ...incident, closedAt: now }
      }
      const stored: MonitorResult = {
        ...result,
        id: newId(),
        incidentId: result.status === 'alert' ? (incident?.id ?? null) : null,
        createdAt: now,
      }
      await trx
        .deleteFrom('monitoring_results')
        .where('monitor', '=', result.monitor)
        .where('window_start', '=', result.windowStart)
        .execute()
      await trx
        .insertInto('monitoring_results')
        .values({
          id: stored.id,
          monitor: stored.monitor,
          window_start: stored.windowStart,
          window_end: stored.windowEnd,
          model: stored.model,
          reference_version: stored.referenceVersion,
          status: stored.status,
          rows: stored.rows,
          tested: stored.tested,
          drifted: stored.drifted,
          dataset_drift: stored.datasetDrift ? 1 : 0,
          quality_failed: stored.qualityFailed,
          incident_id: stored.incidentId,
          report: JSON.stringify(details),
          created_at: now,
        })
        .execute()
      return { result: stored, incident, opened }
    })
  }

  /** Marks an incident's actions as run, with their outcomes. */
  async notified(incidentId: string, actions: readonly ActionOutcome[]): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      await trx
        .updateTable('monitoring_incidents')
        .set({ notified_at: this.ctx.clock.now(), actions: JSON.stringify(actions) })
        .where('id', '=', incidentId)
        .execute()
      // The alerting window that opened the incident shows what its actions did.
      const first = await trx
        .selectFrom('monitoring_results')
        .select(['id', 'report'])
        .where('incident_id', '=', incidentId)
        .orderBy('window_start')
        .limit(1)
        .executeTakeFirst()
      if (first !== undefined) {
        const details = JSON.parse(first.report) as StoredDetails
        await trx
          .updateTable('monitoring_results')
          .set({ report: JSON.stringify({ ...details, actions }) })
          .where('id', '=', first.id)
          .execute()
      }
    })
  }

  /** The time series of a monitor's results, newest first. */
  async history(name: string, options: { limit?: number } = {}): Promise<MonitorResult[]> {
    const rows = await this.db
      .selectFrom('monitoring_results')
      .selectAll()
      .where('monitor', '=', name)
      .orderBy('window_start', 'desc')
      .limit(options.limit ?? 100)
      .execute()
    return rows.map(resultOf)
  }

  /** The report of one window (default the latest); `NOT_FOUND` when the monitor has none. */
  async report(name: string, windowStart?: number): Promise<StoredDetails & { result: MonitorResult }> {
    let q = this.db.selectFrom('monitoring_results').selectAll().where('monitor', '=', name)
    if (windowStart !== undefined) q = q.where('window_start', '=', windowStart)
    const row = await q.orderBy('window_start', 'desc').limit(1).executeTakeFirst()
    if (row === undefined) {
      throw new StrataError(
        'NOT_FOUND',
        windowStart === undefined
          ? `monitor "${name}" has no results yet; run it with "strata monitor run ${name}"`
          : `monitor "${name}" has no result for the window starting ${new Date(windowStart).toISOString()}`,
        { details: { monitor: name } },
      )
    }
    return { ...(JSON.parse(row.report) as StoredDetails), result: resultOf(row) }
  }

  /** Incidents of a monitor, newest first. */
  async incidents(name: string): Promise<Incident[]> {
    const rows = await this.db
      .selectFrom('monitoring_incidents')
      .selectAll()
      .where('monitor', '=', name)
      .orderBy('opened_at', 'desc')
      .execute()
    return rows.map(incidentOf)
  }
}
