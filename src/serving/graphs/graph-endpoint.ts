import { StrataError } from '../../core/errors.js'
import type { ModelVersion } from '../../registry/index.js'
import type { EntityRows } from '../entity-predict.js'
import type {
  InferRequest,
  InferResult,
  RequestContext,
  RoutedEndpoint,
  WarmVersion,
} from '../model-server-types.js'
import { newPredictionId } from '../payload-log/index.js'
import { rowValue } from '../row-slice.js'
import type { ServedModel } from '../served-model.js'
import { checkInputs, checkOutputNames } from '../signature-check.js'
import type { InferTensor } from '../tensor.js'
import type { GraphSignature } from './graph-check.js'
import { combineOutputs, conditionHolds } from './graph-combine.js'
import { type GraphNode, type GraphSpec, graphNodes, type SequenceStep } from './graph-definition.js'

/** The `platform` a graph reports in its model metadata. */
export const GRAPH_PLATFORM = 'strata_graph'

/** One node's call within a graph request. */
interface NodeCall {
  /** The request's graph prediction ids (one, or one per entity row). */
  ids: readonly string[]
  request: InferRequest
  /** Whether this node takes the request's own inputs (its client mistakes stay client mistakes). */
  entry: boolean
}

/**
 * An inference graph served under one name: each request runs its nodes (registry versions
 * loaded and warmed in the model server's worker-thread runtimes) as a sequence, an ensemble or
 * a switch, and answers as one model. Every node's call is logged in the payload log under the
 * request's prediction id `P` as the prediction `P/<node>` (its inputs, outputs and model
 * version), so `strata lineage prediction:P` reaches every node's model version. A node that
 * fails fails the whole request with an error naming the node; no partial answer is returned.
 */
export class GraphEndpoint implements RoutedEndpoint {
  readonly revision = undefined
  private readonly served: ServedModel
  private inFlight = 0
  private drained: (() => void) | undefined
  private closed = false

  constructor(
    readonly graph: GraphSpec,
    /** Each node's warmed version, by node name. */
    private readonly nodes: ReadonlyMap<string, WarmVersion>,
    signature: GraphSignature,
    /** The graph's version (counts how often the name was served in this process). */
    version: number,
  ) {
    const entry = this.node(
      graph.kind === 'sequence'
        ? (graph.steps[0] as GraphNode)
        : graph.kind === 'ensemble'
          ? (graph.members[0] as GraphNode)
          : graph.default,
    )
    const last = this.node(
      graph.kind === 'sequence'
        ? (graph.steps.at(-1) as GraphNode)
        : graph.kind === 'ensemble'
          ? (graph.members[0] as GraphNode)
          : graph.default,
    )
    const model: ModelVersion = {
      ...entry.served.model,
      name: graph.name,
      version,
      signature: {
        inputs: entry.served.model.signature?.inputs ?? [],
        outputs: last.served.model.signature?.outputs ?? [],
      },
    }
    this.served = {
      name: graph.name,
      version,
      model,
      platform: GRAPH_PLATFORM,
      inputs: signature.inputs,
      outputs: signature.outputs,
      runtime: {
        kind: entry.served.runtime.kind,
        infer: async (inputs, outputs) =>
          (
            await this.infer(
              undefined,
              {
                inputs: [...inputs],
                ...(outputs === undefined ? {} : { outputs: [...outputs] }),
                log: false,
              },
              {},
            )
          ).outputs,
        close: () => this.close(),
      },
    }
  }

  /** The graph as a model: its version, inputs (the entry nodes') and outputs (the answering nodes'). */
  model(version?: string): ServedModel {
    if (version !== undefined && version !== String(this.served.version)) {
      throw new StrataError(
        'NOT_FOUND',
        `model "${this.graph.name}" version "${version}" is not served; the inference graph's version is ${this.served.version}`,
        { details: { model: this.graph.name, version, served: this.served.version } },
      )
    }
    return this.served
  }

  /** The model version each node serves, by node name. */
  nodeVersions(): Map<string, { name: string; version: number }> {
    return new Map(
      graphNodes(this.graph).map((n) => {
        const m = this.node(n).served.model
        return [n.name, { name: m.name, version: m.version }]
      }),
    )
  }

  /** The nodes that take the request's inputs (for entity-row predictions: they must read the same features). */
  versions(): ServedModel[] {
    const g = this.graph
    const entries =
      g.kind === 'sequence'
        ? [g.steps[0] as GraphNode]
        : g.kind === 'ensemble'
          ? g.members
          : [g.default, ...g.cases]
    return entries.map((n) => this.node(n).served)
  }

  async infer(
    version: string | undefined,
    request: InferRequest,
    context: RequestContext,
  ): Promise<InferResult> {
    if (this.closed) throw new StrataError('UNAVAILABLE', `inference graph "${this.graph.name}" is closed`)
    this.model(version)
    const signature = this.served.model.signature
    if (signature !== null) {
      checkInputs(signature, request.inputs)
      if (request.outputs !== undefined) checkOutputNames(signature, request.outputs)
    }
    const rows = request.entityRows
    const at = rows?.at ?? Date.now()
    const ids = rows === undefined ? [newPredictionId(at)] : rows.rows.map(() => newPredictionId(at))
    this.inFlight++
    try {
      const call: NodeCall = { ids, request, entry: true }
      const outputs =
        this.graph.kind === 'sequence'
          ? await this.sequence(this.graph.steps, call)
          : this.graph.kind === 'ensemble'
            ? await this.ensemble(this.graph.members, this.graph.combine, call)
            : await this.switch(call, context)
      return {
        modelName: this.graph.name,
        modelVersion: String(this.served.version),
        ...(request.id === undefined ? {} : { id: request.id }),
        predictionId: ids[0] as string,
        ...(rows === undefined ? {} : { predictionIds: ids }),
        outputs,
      }
    } finally {
      this.inFlight--
      if (this.inFlight === 0) this.drained?.()
    }
  }

  private async sequence(steps: readonly SequenceStep[], call: NodeCall): Promise<InferTensor[]> {
    let inputs = call.request.inputs
    let entityRows = call.request.entityRows
    for (const [i, step] of steps.entries()) {
      const last = i === steps.length - 1
      const next = steps[i + 1]
      // an inner step computes only what the next step reads
      const wanted = last
        ? call.request.outputs
        : (next === undefined ? [] : this.node(next).served.inputs).map(
            (inp) => next?.map?.[inp.name] ?? inp.name,
          )
      const outputs = await this.run(step, {
        ids: call.ids,
        entry: i === 0,
        request: {
          ...call.request,
          inputs,
          ...(wanted === undefined ? {} : { outputs: [...new Set(wanted)] }),
          ...(entityRows === undefined ? {} : { entityRows }),
        },
      })
      if (last || next === undefined) return outputs
      inputs = this.node(next).served.inputs.map((inp) => {
        const from = next.map?.[inp.name] ?? inp.name
        const t = outputs.find((o) => o.name === from)
        if (t === undefined) {
          throw new StrataError(
            'INTERNAL',
            `graph "${this.graph.name}" node "${step.name}" did not answer output "${from}" that node "${next.name}" reads`,
          )
        }
        return { ...t, name: inp.name }
      })
      entityRows = entityRows === undefined ? undefined : rowsOf(entityRows, inputs)
    }
    return []
  }

  private async ensemble(
    members: readonly GraphNode[],
    combine: 'average' | 'vote',
    call: NodeCall,
  ): Promise<InferTensor[]> {
    const settled = await Promise.allSettled(members.map((m) => this.run(m, call)))
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    return combineOutputs(
      combine,
      settled.map((s, i) => ({
        node: (members[i] as GraphNode).name,
        outputs: (s as PromiseFulfilledResult<InferTensor[]>).value,
      })),
    )
  }

  private async switch(call: NodeCall, context: RequestContext): Promise<InferTensor[]> {
    const g = this.graph
    if (g.kind !== 'switch') return []
    for (const c of g.cases) {
      if (
        conditionHolds(c.when, call.request.inputs, context.headers, `graph "${g.name}" node "${c.name}"`)
      ) {
        return this.run(c, call)
      }
    }
    return this.run(g.default, call)
  }

  /** Runs one node, logged as `<graph prediction id>/<node>`; its failure names the node. */
  private async run(node: GraphNode, call: NodeCall): Promise<InferTensor[]> {
    const warm = this.node(node)
    try {
      const result = await warm.infer({
        ...call.request,
        predictionIds: call.ids.map((id) => `${id}/${node.name}`),
      })
      return result.outputs
    } catch (err) {
      const e = err as { code?: string; message?: string }
      // an inner node refusing what the node before it produced is no client mistake
      const code =
        e.code === 'INVALID_ARGUMENT' && !call.entry
          ? 'INTERNAL'
          : ((e.code ?? 'INTERNAL') as StrataError['code'])
      throw new StrataError(
        code,
        `graph "${this.graph.name}" node "${node.name}" (model "${warm.served.name}" version ${warm.served.version}) failed: ${e.message ?? String(err)}`,
        { cause: err, details: { graph: this.graph.name, node: node.name } },
      )
    }
  }

  private node(node: GraphNode): WarmVersion {
    const w = this.nodes.get(node.name)
    if (w === undefined)
      throw new StrataError('INTERNAL', `graph "${this.graph.name}" lost node "${node.name}"`)
    return w
  }

  /** Stops serving: waits for the requests running on the graph, then closes every node. */
  async close(): Promise<void> {
    this.closed = true
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve))
    await Promise.allSettled([...this.nodes.values()].map((w) => w.close()))
  }
}

/** The entity rows of an inner step: each row's key, with the step's inputs as its logged values. */
function rowsOf(rows: EntityRows, inputs: readonly InferTensor[]): EntityRows {
  return {
    ...rows,
    rows: rows.rows.map((row, r) => ({
      entityKey: row.entityKey,
      inputs: Object.fromEntries(inputs.map((t) => [t.name, rowValue(t, r)])),
    })),
  }
}
