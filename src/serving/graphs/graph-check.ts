import { StrataError } from '../../core/errors.js'
import type { ModelVersion } from '../../registry/index.js'
import { OIP_DATATYPES } from '../datatypes.js'
import { type MetadataTensor, metadataTensor } from '../signature-check.js'
import type { GraphNode, GraphSpec, SequenceStep, SwitchCondition } from './graph-definition.js'

/** A graph's signature as served: what a request sends and what it gets back. */
export interface GraphSignature {
  inputs: MetadataTensor[]
  outputs: MetadataTensor[]
}

const FLOATS = new Set(['FP16', 'FP32', 'FP64'])
const NUMERIC = new Set(OIP_DATATYPES.filter((d) => d !== 'BYTES' && d !== 'BOOL'))

function describe(t: MetadataTensor): string {
  return `"${t.name}" (${t.datatype} [${t.shape.join(',')}])`
}

function list(ts: readonly MetadataTensor[]): string {
  return ts.length === 0 ? 'none' : ts.map(describe).join(', ')
}

function invalid(message: string, details?: Record<string, unknown>): StrataError {
  return new StrataError('INVALID_ARGUMENT', message, details === undefined ? {} : { details })
}

/** The node's signature in protocol terms (`FAILED_PRECONDITION` when the version has none). */
function signatureOf(graph: string, node: GraphNode, version: ModelVersion): GraphSignature {
  if (version.signature === null) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `graph "${graph}" node "${node.name}": model "${version.name}" version ${version.version} has no signature; register it with one to use it in a graph`,
    )
  }
  return {
    inputs: version.signature.inputs.map(metadataTensor),
    outputs: version.signature.outputs.map(metadataTensor),
  }
}

/** Same rank, and every dimension equal or variable (-1) on either side. */
function shapesFit(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === -1 || b[i] === -1 || d === b[i])
}

function sameTensors(a: readonly MetadataTensor[], b: readonly MetadataTensor[]): boolean {
  const key = (ts: readonly MetadataTensor[]) =>
    ts
      .map((t) => `${t.name}:${t.datatype}:[${t.shape.join(',')}]`)
      .sort()
      .join(';')
  return key(a) === key(b)
}

/**
 * Checks a graph against its nodes' registry versions before it is served, and returns the
 * graph's signature. A sequence's step must find each input among the previous step's outputs
 * (by name or its `map`) with the same datatype and a fitting shape; an ensemble's members must
 * have one input and one output signature (and float outputs to `average`); a switch's branches
 * must share the default's signature and its conditions must compare an input with a value of
 * its datatype. Each refusal is `INVALID_ARGUMENT` naming the node and what would be valid.
 */
export function checkGraph(graph: GraphSpec, versions: ReadonlyMap<string, ModelVersion>): GraphSignature {
  const sig = (node: GraphNode): GraphSignature => {
    const v = versions.get(node.name)
    if (v === undefined)
      throw new StrataError('INTERNAL', `graph "${graph.name}" node "${node.name}" was not resolved`)
    return signatureOf(graph.name, node, v)
  }
  const where = (node: GraphNode) => `graph "${graph.name}" node "${node.name}"`
  if (graph.kind === 'sequence') {
    const steps = graph.steps
    for (let i = 1; i < steps.length; i++) {
      checkStep(
        where(steps[i] as SequenceStep),
        steps[i - 1] as SequenceStep,
        sig(steps[i - 1] as GraphNode),
        steps[i] as SequenceStep,
        sig(steps[i] as GraphNode),
      )
    }
    return { inputs: sig(steps[0] as GraphNode).inputs, outputs: sig(steps.at(-1) as GraphNode).outputs }
  }
  if (graph.kind === 'ensemble') {
    const [first, ...others] = graph.members as [GraphNode, ...GraphNode[]]
    const base = sig(first)
    for (const m of others) {
      const s = sig(m)
      if (!sameTensors(s.outputs, base.outputs)) {
        throw invalid(
          `${where(m)}: its outputs ${list(s.outputs)} differ from node "${first.name}"'s ${list(base.outputs)}; an ensemble's members must have the same output signature`,
          { node: m.name },
        )
      }
      if (!sameTensors(s.inputs, base.inputs)) {
        throw invalid(
          `${where(m)}: its inputs ${list(s.inputs)} differ from node "${first.name}"'s ${list(base.inputs)}; an ensemble's members must take the same inputs`,
          { node: m.name },
        )
      }
    }
    if (graph.combine === 'average') {
      const notFloat = base.outputs.find((o) => !FLOATS.has(o.datatype))
      if (notFloat !== undefined) {
        throw invalid(
          `graph "${graph.name}": output ${describe(notFloat)} of its members is not a float, so it cannot be averaged; use combine: "vote" (or members with FP16/FP32/FP64 outputs)`,
          { output: notFloat.name },
        )
      }
    }
    return base
  }
  const base = sig(graph.default)
  for (const c of graph.cases) {
    const s = sig(c)
    if (!sameTensors(s.inputs, base.inputs) || !sameTensors(s.outputs, base.outputs)) {
      throw invalid(
        `${where(c)}: its signature (inputs ${list(s.inputs)}; outputs ${list(s.outputs)}) differs from the default node "${graph.default.name}"'s (inputs ${list(base.inputs)}; outputs ${list(base.outputs)}); every branch of a switch must have the default's signature`,
        { node: c.name },
      )
    }
    checkCondition(where(c), c.when, base.inputs)
  }
  return base
}

/** Each input of `step` from an output of `prev`, with the same datatype and a fitting shape. */
function checkStep(
  where: string,
  prev: SequenceStep,
  prevSig: GraphSignature,
  step: SequenceStep,
  stepSig: GraphSignature,
): void {
  for (const [input, output] of Object.entries(step.map ?? {})) {
    if (!stepSig.inputs.some((i) => i.name === input)) {
      throw invalid(
        `${where}: map names input "${input}", which the node does not take; its inputs are ${list(stepSig.inputs)}`,
        {
          input,
        },
      )
    }
    if (!prevSig.outputs.some((o) => o.name === output)) {
      throw invalid(
        `${where}: map feeds input "${input}" from output "${output}", which node "${prev.name}" does not produce; its outputs are ${list(prevSig.outputs)}`,
        { input, output },
      )
    }
  }
  for (const input of stepSig.inputs) {
    const from = step.map?.[input.name] ?? input.name
    const source = prevSig.outputs.find((o) => o.name === from)
    if (source === undefined) {
      throw invalid(
        `${where}: input ${describe(input)} has no source: node "${prev.name}" outputs ${list(prevSig.outputs)}; feed it with map: { ${JSON.stringify(input.name)}: "<output>" }`,
        { input: input.name },
      )
    }
    if (source.datatype !== input.datatype) {
      throw invalid(
        `${where}: input ${describe(input)} is fed by node "${prev.name}"'s output ${describe(source)}; the datatypes differ (expected ${input.datatype})`,
        { input: input.name, datatype: source.datatype, expected: input.datatype },
      )
    }
    if (!shapesFit(source.shape, input.shape)) {
      throw invalid(
        `${where}: input ${describe(input)} is fed by node "${prev.name}"'s output ${describe(source)}; the shapes differ (expected [${input.shape.join(',')}], -1 = any size)`,
        { input: input.name, shape: source.shape, expected: input.shape },
      )
    }
  }
}

/** A condition on an input compares it with a value of its datatype; a column within its row. */
function checkCondition(where: string, when: SwitchCondition, inputs: readonly MetadataTensor[]): void {
  if (!('input' in when)) return
  const input = inputs.find((i) => i.name === when.input)
  if (input === undefined) {
    throw invalid(
      `${where}: the condition reads input "${when.input}", which the graph does not take; its inputs are ${list(inputs)}`,
      {
        input: when.input,
      },
    )
  }
  const column = when.column ?? 0
  const perRow = input.shape.slice(1)
  if (perRow.every((d) => d >= 0)) {
    const width = perRow.reduce((a, b) => a * b, 1)
    if (column >= width) {
      throw invalid(
        `${where}: column ${column} is beyond input ${describe(input)}, whose rows hold ${width} element${width === 1 ? '' : 's'} (columns 0–${width - 1})`,
      )
    }
  }
  const values: unknown[] = when.op === 'in' ? [...(when.value as readonly unknown[])] : [when.value]
  const expected = input.datatype === 'BYTES' ? 'string' : input.datatype === 'BOOL' ? 'boolean' : 'number'
  const wrong = values.find((v) => typeof v !== expected)
  if (wrong !== undefined) {
    throw invalid(
      `${where}: the condition compares input ${describe(input)} with ${JSON.stringify(wrong)}; a ${input.datatype} input compares with a ${expected}`,
      { input: input.name },
    )
  }
  if (!NUMERIC.has(input.datatype as never) && ['lt', 'le', 'gt', 'ge'].includes(when.op)) {
    throw invalid(`${where}: op "${when.op}" orders numbers; input ${describe(input)} takes eq, ne or in`)
  }
}
