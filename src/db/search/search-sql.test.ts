import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { describe, expect, it } from 'vitest'
import type { MetadataDialect } from '../metadata-database.js'
import { parseSearch } from './search-parser.js'
import type { SearchSchema } from './search-schema.js'
import { filterSql, orderTerms } from './search-sql.js'

const SCHEMA: SearchSchema = {
  subject: 'things',
  alias: 't',
  attributes: {
    name: { column: 'name', type: 'string' },
    id: { column: 'id', type: 'string', sort: 'decimal' },
    size: { column: 'size', type: 'number' },
    ended: { column: 'ended_at', type: 'number', nullable: true },
  },
  metrics: { table: 'thing_metrics', link: { thing_id: 'id' }, nanColumn: 'is_nan' },
  tags: { table: 'thing_tags', link: { thing_id: 'id', owner: 'name' } },
  defaultOrder: ['id ASC'],
  pageSize: { default: 10, max: 10 },
}

/** A Kysely that only compiles (no database), for the given dialect. */
function compiler(dialect: MetadataDialect) {
  const parts =
    dialect === 'postgres'
      ? { adapter: PostgresAdapter, compiler: PostgresQueryCompiler, introspector: PostgresIntrospector }
      : { adapter: SqliteAdapter, compiler: SqliteQueryCompiler, introspector: SqliteIntrospector }
  return new Kysely<{ things: { id: string } }>({
    dialect: {
      createAdapter: () => new parts.adapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new parts.introspector(db),
      createQueryCompiler: () => new parts.compiler(),
    },
  })
}

function compile(dialect: MetadataDialect, filter: string, orderBy: string[]) {
  const search = parseSearch(SCHEMA, { filter, orderBy })
  let q = compiler(dialect).selectFrom('things as t').select('t.id')
  for (const c of search.filter) q = q.where(filterSql(dialect, SCHEMA, c))
  for (const o of search.orderBy)
    for (const term of orderTerms(dialect, SCHEMA, o)) q = q.orderBy(term.expr, term.direction)
  return q.compile()
}

describe('search SQL', () => {
  it('sorts text in byte order on Postgres whatever the database collation (SQLite is binary already)', () => {
    const pg = compile('postgres', '', ['name DESC', 'tags.team'])
    expect(pg.sql).toContain('"t"."name" collate "C" desc')
    expect(pg.sql).toMatch(/\(select "kv"\."value" from "thing_tags" kv where .*\) collate "C" asc/)
    expect(pg.sql).toContain('length("t"."id") asc, "t"."id" collate "C" asc')
    const lite = compile('sqlite', '', ['name DESC', 'tags.team'])
    expect(lite.sql).not.toContain('collate')
    expect(lite.sql).toContain('"t"."name" desc')
  })

  it('keeps LIKE escapes: Postgres LIKE with its default \\ escape, SQLite GLOB with the escape applied', () => {
    const pg = compile('postgres', "name LIKE 'a\\_b%'", [])
    expect(pg.sql).toContain('"t"."name" like $1')
    expect(pg.parameters).toEqual(['a\\_b%'])
    const lite = compile('sqlite', "name LIKE 'a\\_b%'", [])
    expect(lite.sql).toContain('"t"."name" glob ?')
    expect(lite.parameters).toEqual(['a_b*'])
  })

  it('links side tables on every link column, and puts missing values and NaN last', () => {
    const { sql } = compile('postgres', "tags.team = 'x' and metrics.auc != 1", ['metrics.auc DESC', 'ended'])
    expect(sql).toContain('"kv"."thing_id" = "t"."id" and "kv"."owner" = "t"."name" and "kv"."key" = $1')
    expect(sql).toContain('("kv"."is_nan" = 1 or "kv"."value" <> cast($4 as double precision))')
    expect(sql).toMatch(/order by coalesce\(\(select min\("kv"\."is_nan"\) .*\), 2\) asc, \(select max/)
    expect(sql).toContain('case when "t"."ended_at" is null then 1 else 0 end asc, "t"."ended_at" asc')
  })
})
