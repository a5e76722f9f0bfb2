import { z } from 'zod'
import { StrataError } from '../../core/errors.js'

/** The logical column types a dataset schema can declare. */
export const DECLARED_TYPES = ['string', 'int', 'float', 'bool', 'timestamp', 'date'] as const

/** One of {@link DECLARED_TYPES}. */
export type DeclaredType = (typeof DECLARED_TYPES)[number]

/** A column a dataset promises its tabular files hold. */
export interface DeclaredColumn {
  /** Column name, matched exactly (case-sensitive). */
  name: string
  /** Logical type; see {@link validateTable} for what each accepts per file format. */
  type: DeclaredType
  /** Whether the column may hold nulls (empty CSV fields, JSON `null`); default `true`. */
  nullable?: boolean
  /** Smallest allowed value, inclusive (`int` and `float` only). */
  min?: number
  /** Largest allowed value, inclusive (`int` and `float` only). */
  max?: number
  /** Allowed values: strings for `string` columns, numbers for `int` and `float` columns. */
  enum?: (string | number)[]
}

/** The schema a dataset declares for its tabular files. */
export interface DeclaredSchema {
  columns: DeclaredColumn[]
  /** Whether files may have columns the schema does not list; default `false`. */
  allowExtraColumns?: boolean
}

const NUMERIC: ReadonlySet<DeclaredType> = new Set(['int', 'float'])

const declaredColumnSchema = z
  .strictObject({
    name: z.string().min(1, 'a column name must not be empty'),
    type: z.enum(DECLARED_TYPES),
    nullable: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    enum: z
      .array(z.union([z.string(), z.number()]))
      .min(1, 'enum must list at least one value')
      .optional(),
  })
  .superRefine((column, ctx) => {
    const numeric = NUMERIC.has(column.type)
    for (const bound of ['min', 'max'] as const) {
      if (column[bound] !== undefined && !numeric) {
        ctx.addIssue({
          code: 'custom',
          path: [bound],
          message: `${bound} applies to int and float columns only, not ${column.type}`,
        })
      }
    }
    if (column.min !== undefined && column.max !== undefined && column.min > column.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${column.min} is above max ${column.max}` })
    }
    if (column.enum === undefined) return
    if (column.type !== 'string' && !numeric) {
      ctx.addIssue({
        code: 'custom',
        path: ['enum'],
        message: `enum applies to string, int and float columns only, not ${column.type}`,
      })
      return
    }
    const want = column.type === 'string' ? 'string' : 'number'
    column.enum.forEach((value, i) => {
      if (typeof value !== want || (column.type === 'int' && !Number.isInteger(value))) {
        ctx.addIssue({
          code: 'custom',
          path: ['enum', i],
          message: `enum value ${JSON.stringify(value)} does not fit the column type ${column.type}`,
        })
      }
    })
  })

/**
 * The zod schema a {@link DeclaredSchema} must satisfy: known types, unique non-empty column
 * names, `min`/`max` only on numeric columns with `min <= max`, `enum` values of the column's
 * type. Use {@link parseDeclaredSchema} for a typed result and a Strata error.
 */
export const declaredSchemaSchema = z
  .strictObject({
    columns: z.array(declaredColumnSchema).min(1, 'a schema must declare at least one column'),
    allowExtraColumns: z.boolean().optional(),
  })
  .superRefine((schema, ctx) => {
    const seen = new Set<string>()
    schema.columns.forEach((column, i) => {
      if (seen.has(column.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'name'],
          message: `column "${column.name}" is declared twice`,
        })
      }
      seen.add(column.name)
    })
  })

/**
 * Checks a schema declaration (from a config file, the CLI or an API body) and returns it typed.
 * Rejects with INVALID_ARGUMENT listing every problem with its path, e.g.
 * `columns[1].min: min applies to int and float columns only, not string`.
 *
 * @example
 * const schema = parseDeclaredSchema({ columns: [{ name: 'id', type: 'int', nullable: false }] })
 */
export function parseDeclaredSchema(input: unknown): DeclaredSchema {
  const result = declaredSchemaSchema.safeParse(input)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    throw new StrataError('INVALID_ARGUMENT', `invalid schema declaration: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  const columns = result.data.columns.map((column) => {
    const out: DeclaredColumn = { name: column.name, type: column.type }
    if (column.nullable !== undefined) out.nullable = column.nullable
    if (column.min !== undefined) out.min = column.min
    if (column.max !== undefined) out.max = column.max
    if (column.enum !== undefined) out.enum = column.enum
    return out
  })
  const schema: DeclaredSchema = { columns }
  if (result.data.allowExtraColumns !== undefined) schema.allowExtraColumns = result.data.allowExtraColumns
  return schema
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`
  return out === '' ? '(root)' : out
}
