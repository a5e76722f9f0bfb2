import type { ResolvedConfig } from '../core/config.js'
import type { Strata } from '../platform/index.js'

/** Options every kind of definition is applied with. */
export interface ApplyDefinitionsOptions {
  /** Apply even when the plan has changes that break consumers. */
  allowBreaking: boolean
}

/** What applying one kind produced: the value for `--json` and the text for people. */
export interface AppliedDefinitions {
  result: unknown
  human: string
}

/**
 * One kind of definition that `strata apply` applies: feature definitions now; pipelines,
 * monitors and deployments add an entry to `DEFINITION_KINDS` (cli/commands/apply.ts) as they
 * land, each with its own `strata <noun> plan|apply` group.
 */
export interface DefinitionKind {
  /** The noun: the JSON key of its result and the heading of its output (`features`). */
  readonly name: string
  /** What to set in `strata.config.ts` to define some (named when nothing is configured). */
  readonly configHint: string
  /** The command that shows this kind's plan in detail (named when a change is breaking). */
  readonly planCommand: string
  /** Whether the project defines any of this kind. */
  configured(config: ResolvedConfig): boolean
  /** The changes `apply` would make that break consumers (`feature-view airport_delays`), none when empty. */
  breakingChanges(strata: Strata): Promise<string[]>
  apply(strata: Strata, options: ApplyDefinitionsOptions): Promise<AppliedDefinitions>
}
