import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../core/clock.js'
import { StrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import { isUniqueViolation, type MetadataDatabase, writeTransaction } from '../db/index.js'
import type { AccessTables } from './access-migrations.js'
import { parseScopes, type Scope } from './scopes.js'

/** What a {@link TokenStore} needs: the metadata database, the clock and who acts (a `ServiceContext` fits). */
export interface TokenStoreContext {
  readonly metadata: MetadataDatabase
  readonly clock: Clock
  readonly principal: Principal
}

/** A token as listed: never its secret, which only {@link TokenStore.create} returns, once. */
export interface TokenInfo {
  /** Public id, the `<id>` in `strata_<id>_<secret>`. */
  id: string
  name: string
  /** The principal a request with this token acts as (recorded as author, user or actor). */
  principal: string
  scopes: Scope[]
  createdAt: number
  createdBy: string
  revokedAt?: number
  revokedBy?: string
}

/** What {@link TokenStore.create} takes. */
export interface CreateTokenInput {
  /** Unique among active tokens: letters, digits, `.`, `_`, `-` (up to 64). */
  name: string
  /** Comma-separated or a list, see `SCOPES`. */
  scopes: string | readonly string[]
  /** Who requests with the token act as (default: `token:<name>`). */
  principal?: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const TOKEN = /^strata_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/

/** sha256 of a token, hex: what the database stores instead of the token. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * API tokens of a project, in the metadata database: `strata_<id>_<secret>` with 256 random
 * bits, stored as its sha256 only (a token has the entropy that makes a slow hash pointless;
 * a stolen database gives no usable token). Revoking keeps the row for the record.
 *
 * @example
 * const { token } = await (await strata.tokens()).create({ name: 'ci', scopes: 'read,write:tracking' })
 */
export class TokenStore {
  private readonly db: Kysely<AccessTables>

  constructor(private readonly ctx: TokenStoreContext) {
    this.db = ctx.metadata.db.withTables<AccessTables>()
  }

  /** Creates a token; the returned `token` is the only time its secret is seen. */
  async create(input: CreateTokenInput): Promise<{ token: string; info: TokenInfo }> {
    if (!NAME.test(input.name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `token name "${input.name}" is invalid; expected letters, digits, ".", "_" or "-" (up to 64, starting with a letter or digit)`,
      )
    }
    const scopes = parseScopes(input.scopes)
    const principal = input.principal ?? `token:${input.name}`
    if (principal.trim() === '' || principal.length > 200) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `principal "${principal}" is invalid; expected 1–200 characters`,
      )
    }
    const id = randomBytes(6).toString('hex')
    const token = `strata_${id}_${randomBytes(32).toString('base64url')}`
    const row = {
      id,
      name: input.name,
      principal,
      scopes: scopes.join(','),
      secret_sha256: digest(token),
      created_at: this.ctx.clock.now(),
      created_by: this.ctx.principal.id,
      revoked_at: null,
      revoked_by: null,
    }
    try {
      await writeTransaction(this.db, (trx) => trx.insertInto('access_tokens').values(row).execute())
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StrataError(
          'ALREADY_EXISTS',
          `a token named "${input.name}" already exists; revoke it first ("strata token revoke ${input.name}") or pick another name`,
          { cause: err },
        )
      }
      throw err
    }
    return { token, info: toInfo(row) }
  }

  /** Every token, newest first; revoked ones only with `includeRevoked`. */
  async list(options: { includeRevoked?: boolean } = {}): Promise<TokenInfo[]> {
    let q = this.db.selectFrom('access_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id')
    if (options.includeRevoked !== true) q = q.where('revoked_at', 'is', null)
    return (await q.execute()).map(toInfo)
  }

  /** True when at least one token is active: the server then requires one on every request. */
  async anyActive(): Promise<boolean> {
    const row = await this.db
      .selectFrom('access_tokens')
      .select('id')
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  /** Revokes the active token with this name or id; `NOT_FOUND` naming it when there is none. */
  async revoke(nameOrId: string): Promise<TokenInfo> {
    const at = this.ctx.clock.now()
    const by = this.ctx.principal.id
    const row = await writeTransaction(this.db, async (trx) => {
      const found = await trx
        .selectFrom('access_tokens')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)]))
        .executeTakeFirst()
      if (found === undefined) return undefined
      await trx
        .updateTable('access_tokens')
        .set({ revoked_at: at, revoked_by: by })
        .where('id', '=', found.id)
        .execute()
      return { ...found, revoked_at: at, revoked_by: by }
    })
    if (row === undefined) {
      throw new StrataError(
        'NOT_FOUND',
        `no active token has the name or id "${nameOrId}"; list them with "strata token list"`,
      )
    }
    return toInfo(row)
  }

  /**
   * The active token `token` is, or `undefined` (malformed, unknown or revoked). One indexed
   * lookup by the token's sha256; revocation takes effect on the next request.
   */
  async verify(token: string): Promise<TokenInfo | undefined> {
    if (!TOKEN.test(token)) return undefined
    const row = await this.db
      .selectFrom('access_tokens')
      .selectAll()
      .where('secret_sha256', '=', digest(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return row === undefined ? undefined : toInfo(row)
  }
}

function toInfo(row: AccessTables['access_tokens']): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    principal: row.principal,
    scopes: parseScopes(row.scopes),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    ...(row.revoked_at === null ? {} : { revokedAt: Number(row.revoked_at) }),
    ...(row.revoked_by === null ? {} : { revokedBy: row.revoked_by }),
  }
}
