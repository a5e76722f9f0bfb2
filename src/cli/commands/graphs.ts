import type { DefinitionKind } from '../definition-kind.js'

/**
 * The inference graphs of `strata apply`: each graph the `graphs` module exports is checked
 * against the registry (every node's reference resolves; the signatures fit), so a graph that
 * `strata server` would refuse fails `apply` first, naming the node. Graphs are served by
 * `strata server` from the module itself; nothing is stored.
 */
export const graphDefinitions: DefinitionKind = {
  name: 'graphs',
  configHint: "graphs: 'graphs.ts'",
  planCommand: 'strata apply',
  configured: (config) => config.graphs !== undefined,
  breakingChanges: async () => [],
  apply: async (strata) => {
    const { graphNodes, loadGraphs, validateGraph } = await import('../../serving/index.js')
    const graphs = await loadGraphs(strata.config.root, strata.config.graphs)
    const registry = await strata.registry()
    const result = []
    for (const graph of graphs) {
      const { versions, signature } = await validateGraph(graph, (ref) => registry.resolve(ref))
      result.push({
        name: graph.name,
        kind: graph.kind,
        nodes: graphNodes(graph).map((n) => {
          const v = versions.get(n.name)
          return { name: n.name, model: n.model, version: v === undefined ? null : `${v.name}/${v.version}` }
        }),
        inputs: signature.inputs,
        outputs: signature.outputs,
      })
    }
    const human = result
      .map(
        (g) => `✓ graph ${g.name} (${g.kind}: ${g.nodes.map((n) => `${n.name} → ${n.version}`).join(', ')})`,
      )
      .join('\n')
    return { result: { valid: result }, human: human === '' ? '(no graphs exported)' : human }
  },
}
