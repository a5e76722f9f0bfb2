import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import { translateDbError, writeTransaction } from '../../db/index.js'
import type { DeliveryTables } from './delivery-migrations.js'
import { type DeploymentPolicy, isActive } from './deployment-policy.js'
import type { DecisionEvidence } from './guards.js'
import type { VersionStats } from './version-stats.js'

/** An endpoint and its current revision. */
export interface Deployment {
  name: string
  revision: number
  policy: DeploymentPolicy
  /** When the current step's guards next decide (null: no rollout running). */
  evaluateAt: number | null
  /** Who made the current revision, when and why. */
  actor: string
  action: string
  reason: string | null
  createdAt: number
}

/** One immutable revision of an endpoint. */
export interface DeploymentRevision {
  endpoint: string
  revision: number
  policy: DeploymentPolicy
  /** What made it: `create`, `advance`, `promote`, `rollback`, `pause`, `resume`, `abort`. */
  action: string
  actor: string
  reason: string | null
  createdAt: number
}

/** One recorded decision, with its evidence. */
export interface DeploymentDecision {
  id: number
  endpoint: string
  revision: number
  /** `create`, `advance`, `promote`, `rollback`, `hold`, `pause`, `resume`, `abort`. */
  action: string
  reason: string
  evidence: DecisionEvidence | null
  actor: string
  at: number
}

/** A change to apply if the endpoint is still at `from` (compare-and-set). */
export interface Transition {
  from: number
  policy: DeploymentPolicy
  action: string
  actor: string
  reason: string
  evidence: DecisionEvidence | null
  evaluateAt: number | null
  at: number
  /** Runs in the same transaction once the revision is written (lineage). */
  also?: (trx: Kysely<object>, revision: number) => Promise<void>
}

type Db = Kysely<DeliveryTables>

/**
 * The metadata-database side of delivery: endpoints, their immutable revisions, decisions and
 * the replicas' serving samples (kept for the current revision only). Every change is a compare-and-set on the endpoint's revision
 * inside one write transaction, so concurrent replicas (or a person and the rollout engine)
 * never both apply a change: the loser gets `null` (or `CONFLICT` for people) and re-reads.
 */
export class DeploymentStore {
  constructor(private readonly db: Db) {}

  private async transact<T>(what: string, fn: (trx: Db) => Promise<T>): Promise<T> {
    try {
      return await writeTransaction(this.db, fn)
    } catch (err) {
      throw translateDbError(err, what)
    }
  }

  /**
   * Writes revision `from + 1` of `name` (creating the endpoint when `from` is 0), or returns
   * null when the endpoint is no longer at `from`.
   */
  async transition(name: string, t: Transition): Promise<Deployment | null> {
    return this.transact(`deployment "${name}"`, async (trx) => {
      const revision = t.from + 1
      if (t.from === 0) {
        const exists = await trx
          .selectFrom('delivery_endpoints')
          .select('name')
          .where('name', '=', name)
          .executeTakeFirst()
        if (exists !== undefined) return null
        await trx
          .insertInto('delivery_endpoints')
          .values({
            name,
            model: t.policy.model,
            revision,
            status: t.policy.status,
            evaluate_at: t.evaluateAt,
            updated_at: t.at,
          })
          .execute()
      } else {
        const done = await trx
          .updateTable('delivery_endpoints')
          .set({ revision, status: t.policy.status, evaluate_at: t.evaluateAt, updated_at: t.at })
          .where('name', '=', name)
          .where('revision', '=', t.from)
          .executeTakeFirst()
        if (Number(done.numUpdatedRows) !== 1) return null
      }
      await trx
        .insertInto('delivery_revisions')
        .values({
          endpoint: name,
          revision,
          policy: JSON.stringify(t.policy),
          action: t.action,
          actor: t.actor,
          reason: t.reason,
          created_at: t.at,
        })
        .execute()
      await this.insertDecision(trx, name, revision, t)
      // the samples of earlier revisions are judged and recorded as evidence: not needed again
      await trx
        .deleteFrom('delivery_samples')
        .where('endpoint', '=', name)
        .where('revision', '<', revision)
        .execute()
      await t.also?.(trx as unknown as Kysely<object>, revision)
      return {
        name,
        revision,
        policy: t.policy,
        evaluateAt: t.evaluateAt,
        actor: t.actor,
        action: t.action,
        reason: t.reason,
        createdAt: t.at,
      }
    })
  }

  /**
   * Records a decision that changes no traffic (an inconclusive or passed-final-step hold) and
   * moves the next evaluation to `evaluateAt`, if the endpoint is still at `revision` and due at
   * `due`; false when another replica recorded it first.
   */
  async hold(
    name: string,
    revision: number,
    due: number,
    evaluateAt: number,
    decision: { actor: string; reason: string; evidence: DecisionEvidence; at: number },
  ): Promise<boolean> {
    return this.transact(`deployment "${name}"`, async (trx) => {
      const done = await trx
        .updateTable('delivery_endpoints')
        .set({ evaluate_at: evaluateAt, updated_at: decision.at })
        .where('name', '=', name)
        .where('revision', '=', revision)
        .where('evaluate_at', '=', due)
        .executeTakeFirst()
      if (Number(done.numUpdatedRows) !== 1) return false
      await this.insertDecision(trx, name, revision, { action: 'hold', ...decision })
      return true
    })
  }

  private async insertDecision(
    trx: Db,
    name: string,
    revision: number,
    d: { action: string; reason: string; evidence: DecisionEvidence | null; actor: string; at: number },
  ): Promise<void> {
    await trx
      .insertInto('delivery_decisions')
      .values({
        endpoint: name,
        revision,
        action: d.action,
        reason: d.reason,
        evidence: JSON.stringify(d.evidence ?? {}),
        actor: d.actor,
        at: d.at,
      })
      .execute()
  }

  /** The endpoint `name` with its current revision; `NOT_FOUND` naming the known ones. */
  async get(name: string): Promise<Deployment> {
    const found = await this.find(name)
    if (found === undefined) {
      const known = (await this.heads()).map((h) => h.name)
      throw new StrataError(
        'NOT_FOUND',
        `deployment "${name}" does not exist${known.length > 0 ? ` (deployments: ${known.join(', ')})` : '; create one with "strata deploy create"'}`,
        { details: { deployment: name, known } },
      )
    }
    return found
  }

  /** The endpoint `name`, or undefined. */
  async find(name: string): Promise<Deployment | undefined> {
    const row = await this.db
      .selectFrom('delivery_endpoints as e')
      .innerJoin('delivery_revisions as r', (j) =>
        j.onRef('r.endpoint', '=', 'e.name').onRef('r.revision', '=', 'e.revision'),
      )
      .select([
        'e.name',
        'e.revision',
        'e.evaluate_at',
        'r.policy',
        'r.actor',
        'r.action',
        'r.reason',
        'r.created_at',
      ])
      .where('e.name', '=', name)
      .executeTakeFirst()
    if (row === undefined) return undefined
    return {
      name: row.name,
      revision: Number(row.revision),
      policy: JSON.parse(row.policy) as DeploymentPolicy,
      evaluateAt: row.evaluate_at === null ? null : Number(row.evaluate_at),
      actor: row.actor,
      action: row.action,
      reason: row.reason,
      createdAt: Number(row.created_at),
    }
  }

  /** Every endpoint's name and current revision (what replicas poll). */
  async heads(): Promise<{ name: string; revision: number; evaluateAt: number | null }[]> {
    const rows = await this.db
      .selectFrom('delivery_endpoints')
      .select(['name', 'revision', 'evaluate_at'])
      .orderBy('name')
      .execute()
    return rows.map((r) => ({
      name: r.name,
      revision: Number(r.revision),
      evaluateAt: r.evaluate_at === null ? null : Number(r.evaluate_at),
    }))
  }

  /** Every revision of `name`, oldest first. */
  async revisions(name: string): Promise<DeploymentRevision[]> {
    const rows = await this.db
      .selectFrom('delivery_revisions')
      .selectAll()
      .where('endpoint', '=', name)
      .orderBy('revision')
      .execute()
    return rows.map((r) => ({
      endpoint: r.endpoint,
      revision: Number(r.revision),
      policy: JSON.parse(r.policy) as DeploymentPolicy,
      action: r.action,
      actor: r.actor,
      reason: r.reason,
      createdAt: Number(r.created_at),
    }))
  }

  /** Every decision about `name`, oldest first. */
  async decisions(name: string): Promise<DeploymentDecision[]> {
    const rows = await this.db
      .selectFrom('delivery_decisions')
      .selectAll()
      .where('endpoint', '=', name)
      .orderBy('id')
      .execute()
    return rows.map((r) => {
      const evidence = JSON.parse(r.evidence) as Partial<DecisionEvidence>
      return {
        id: Number(r.id),
        endpoint: r.endpoint,
        revision: Number(r.revision),
        action: r.action,
        reason: r.reason,
        evidence: evidence.guards === undefined ? null : (evidence as DecisionEvidence),
        actor: r.actor,
        at: Number(r.at),
      }
    })
  }

  /** Appends one replica's statistics of a revision. */
  async addSamples(
    rows: {
      endpoint: string
      revision: number
      version: number
      role: string
      replica: string
      stats: VersionStats
      at: number
    }[],
  ): Promise<void> {
    if (rows.length === 0) return
    await this.db
      .insertInto('delivery_samples')
      .values(rows.map((r) => ({ ...r, stats: JSON.stringify(r.stats) })))
      .execute()
  }

  /** Every replica's statistics of one revision. */
  async samples(
    name: string,
    revision: number,
  ): Promise<{ version: number; role: string; stats: VersionStats }[]> {
    const rows = await this.db
      .selectFrom('delivery_samples')
      .select(['version', 'role', 'stats'])
      .where('endpoint', '=', name)
      .where('revision', '=', revision)
      .execute()
    return rows.map((r) => ({
      version: Number(r.version),
      role: r.role,
      stats: JSON.parse(r.stats) as VersionStats,
    }))
  }

  /** True when `name` has a rollout running or paused. */
  static active(d: Deployment | undefined): boolean {
    return d !== undefined && isActive(d.policy)
  }
}
