import { describe, expect, it } from 'vitest'
import { parseRegistryFilter, parseRegistryOrderBy } from './registry-filter.js'

describe('parseRegistryFilter', () => {
  it("parses MLflow's registry search syntax into conditions", () => {
    expect(parseRegistryFilter(undefined)).toEqual([])
    expect(parseRegistryFilter('  ')).toEqual([])
    expect(
      parseRegistryFilter(
        "name = 'fraud' and run_id IN ('a', 'b') AND tags.`my key` LIKE 'x%' AND version_number >= 2 AND source_path ILIKE \"S3://%\"",
      ),
    ).toEqual([
      { field: 'name', op: '=', value: 'fraud' },
      { field: 'run_id', op: 'IN', values: ['a', 'b'] },
      { field: 'tags.my key', op: 'LIKE', value: 'x%' },
      { field: 'version', op: '>=', value: 2 },
      { field: 'source', op: 'ILIKE', value: 'S3://%' },
    ])
    expect(
      parseRegistryFilter("attributes.name != 'it''s' AND run_id NOT IN ('x') AND tags.team.sub <> 'a'"),
    ).toEqual([
      { field: 'name', op: '!=', value: "it's" },
      { field: 'run_id', op: 'NOT IN', values: ['x'] },
      { field: 'tags.team.sub', op: '!=', value: 'a' },
    ])
  })

  it('rejects malformed filters with INVALID_ARGUMENT naming the problem', () => {
    expect(() => parseRegistryFilter("colour = 'red'")).toThrow(/unknown field "colour"/)
    expect(() => parseRegistryFilter("name = 'a' OR name = 'b'")).toThrow(/expected AND, found "OR"/)
    expect(() => parseRegistryFilter('name = 3')).toThrow(/expected a quoted value/)
    expect(() => parseRegistryFilter("version_number LIKE '1'")).toThrow(/needs a number/)
    expect(() => parseRegistryFilter("tags.a IN ('x')")).toThrow(/IN is not supported on "tags.a"/)
    expect(() => parseRegistryFilter("name = 'a")).toThrow(/unexpected text/)
  })
})

describe('parseRegistryOrderBy', () => {
  it('maps MLflow order_by entries', () => {
    expect(parseRegistryOrderBy(['name', 'version_number DESC', 'last_updated_timestamp asc'])).toEqual([
      { field: 'name', direction: 'asc' },
      { field: 'version', direction: 'desc' },
      { field: 'updated_at', direction: 'asc' },
    ])
    expect(() => parseRegistryOrderBy(['run_id'])).toThrow(/order_by "run_id" is invalid/)
  })
})
