import { StrataError } from '../../core/errors.js'

/** One node of an inference graph: a name (unique in the graph) and the registry model it runs. */
export interface GraphNode {
  /** The node's name (`[a-z0-9][a-z0-9_-]*`, at most 32): it names the node in errors and the payload log. */
  name: string
  /** A registry reference: `name@alias`, `name/<version>` or `name` (the latest version). */
  model: string
}

/** A step of a sequence: a node, and which of the previous step's outputs feed its inputs. */
export interface SequenceStep extends GraphNode {
  /**
   * This step's input ← the previous step's output, for inputs named otherwise (default: the
   * output of the input's own name). Ignored on the first step, which takes the request's inputs.
   */
  map?: Readonly<Record<string, string>>
}

/** How {@link SwitchCondition}s compare. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'

/**
 * A typed condition on the request: an input's element (the `column`th element of each row,
 * default 0), or a request header. Numbers compare with numeric inputs, strings with `BYTES`
 * inputs and headers, booleans with `BOOL` inputs (`eq`/`ne`); `in` tests membership. Checked
 * against the graph's input signature before the graph is served.
 */
export type SwitchCondition =
  | { input: string; column?: number; op: CompareOp; value: number }
  | { input: string; column?: number; op: 'eq' | 'ne'; value: string | boolean }
  | { input: string; column?: number; op: 'in'; value: readonly number[] | readonly string[] }
  | { header: string; op: 'eq' | 'ne'; value: string }
  | { header: string; op: 'in'; value: readonly string[] }

/** A branch of a switch: taken when its condition holds (the first that holds wins). */
export interface SwitchCase extends GraphNode {
  when: SwitchCondition
}

/**
 * An inference graph as declared: a `sequence` (each step's outputs feed the next step; the
 * last step answers), an `ensemble` (every member answers the same request; their outputs are
 * averaged or voted element-wise) or a `switch` (the first case whose condition holds answers,
 * else `default`).
 */
export type GraphSpec =
  | { name: string; kind: 'sequence'; steps: readonly SequenceStep[] }
  | { name: string; kind: 'ensemble'; members: readonly GraphNode[]; combine: 'average' | 'vote' }
  | { name: string; kind: 'switch'; cases: readonly SwitchCase[]; default: GraphNode }

/** A checked graph declaration (what {@link inferenceGraph} returns). */
export type InferenceGraph = GraphSpec & { readonly declared: 'inference-graph' }

const GRAPH_NAME = /^[a-z0-9][a-z0-9_.-]{0,99}$/
const NODE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/
const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in']

/** Every node of a graph, in declaration order (a switch's default last). */
export function graphNodes(graph: GraphSpec): GraphNode[] {
  if (graph.kind === 'sequence') return [...graph.steps]
  if (graph.kind === 'ensemble') return [...graph.members]
  return [...graph.cases, graph.default]
}

/**
 * Declares an inference graph served under one name, next to the project's other definitions
 * (the module `graphs` names in strata.config.ts; `strata server` serves every graph it
 * exports). The declaration's shape is checked here; its models and signatures when it is
 * validated or served.
 *
 * @example
 * export const delay = inferenceGraph({
 *   name: 'delay-graph',
 *   kind: 'sequence',
 *   steps: [
 *     { name: 'scale', model: 'delay-scaler@champion' },
 *     { name: 'predict', model: 'delay@champion', map: { features: 'scaled' } },
 *   ],
 * })
 */
export function inferenceGraph<const G extends GraphSpec>(
  spec: G,
): G & { readonly declared: 'inference-graph' } {
  checkGraphSpec(spec)
  return { ...spec, declared: 'inference-graph' }
}

/** Whether `value` is a graph built by {@link inferenceGraph}. */
export function isInferenceGraph(value: unknown): value is InferenceGraph {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { declared?: unknown }).declared === 'inference-graph'
  )
}

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message)
}

/** Checks a declaration's shape: names, kinds, node lists, a switch's default and conditions. */
export function checkGraphSpec(spec: GraphSpec): void {
  if (typeof spec !== 'object' || spec === null) throw invalid('an inference graph must be an object')
  if (typeof spec.name !== 'string' || !GRAPH_NAME.test(spec.name)) {
    throw invalid(
      `inference graph name ${JSON.stringify(spec.name)} is invalid; use lower-case letters, digits, ., - and _ (at most 100)`,
    )
  }
  const where = `graph "${spec.name}"`
  const kind = (spec as { kind?: unknown }).kind
  if (spec.kind === 'sequence') {
    if (!Array.isArray(spec.steps) || spec.steps.length < 2) {
      throw invalid(`${where}: a sequence needs at least two steps (steps: [{ name, model }, …])`)
    }
  } else if (spec.kind === 'ensemble') {
    if (!Array.isArray(spec.members) || spec.members.length < 2) {
      throw invalid(`${where}: an ensemble needs at least two members (members: [{ name, model }, …])`)
    }
    if (spec.combine !== 'average' && spec.combine !== 'vote') {
      throw invalid(`${where}: combine ${JSON.stringify(spec.combine)} is unknown; use "average" or "vote"`)
    }
  } else if (spec.kind === 'switch') {
    if (!Array.isArray(spec.cases) || spec.cases.length < 1) {
      throw invalid(`${where}: a switch needs at least one case (cases: [{ name, model, when }])`)
    }
    if (spec.default === undefined || spec.default === null) {
      throw invalid(
        `${where}: a switch needs a default branch (default: { name, model }) for requests no case matches`,
      )
    }
  } else {
    throw invalid(`${where}: kind ${JSON.stringify(kind)} is unknown; use "sequence", "ensemble" or "switch"`)
  }
  const seen = new Set<string>()
  for (const node of graphNodes(spec)) {
    if (typeof node?.name !== 'string' || !NODE_NAME.test(node.name)) {
      throw invalid(
        `${where}: node name ${JSON.stringify(node?.name)} is invalid; use lower-case letters, digits, - and _ (at most 32)`,
      )
    }
    if (seen.has(node.name))
      throw invalid(`${where}: two nodes are named "${node.name}"; node names must be unique`)
    seen.add(node.name)
    if (typeof node.model !== 'string' || node.model === '') {
      throw invalid(
        `${where} node "${node.name}": model must be a registry reference (name@alias, name/<version> or name)`,
      )
    }
  }
  if (spec.kind === 'switch')
    for (const c of spec.cases) checkConditionShape(`${where} node "${c.name}"`, c.when)
}

function checkConditionShape(where: string, when: SwitchCondition | undefined): void {
  if (typeof when !== 'object' || when === null) {
    throw invalid(`${where}: when must be a condition ({ input, op, value } or { header, op, value })`)
  }
  const hasInput = typeof (when as { input?: unknown }).input === 'string'
  const hasHeader = typeof (when as { header?: unknown }).header === 'string'
  if (hasInput === hasHeader) {
    throw invalid(`${where}: a condition names exactly one of input or header`)
  }
  if (!OPS.includes(when.op)) {
    throw invalid(`${where}: op ${JSON.stringify(when.op)} is unknown; use one of ${OPS.join(', ')}`)
  }
  if (when.op === 'in' && !Array.isArray(when.value)) {
    throw invalid(`${where}: op "in" takes a list of values`)
  }
  if (when.op !== 'in' && Array.isArray(when.value)) {
    throw invalid(`${where}: op "${when.op}" takes one value; use op "in" for a list`)
  }
  if (
    hasHeader &&
    (when.op === 'in' ? (when.value as unknown[]) : [when.value]).some((v) => typeof v !== 'string')
  ) {
    throw invalid(`${where}: a header condition compares strings`)
  }
  const column = (when as { column?: unknown }).column
  if (column !== undefined && !(Number.isInteger(column) && (column as number) >= 0)) {
    throw invalid(`${where}: column ${JSON.stringify(column)} is invalid; expected a whole number ≥ 0`)
  }
}
