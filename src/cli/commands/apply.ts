import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { CliContext } from '../context.js'
import type { DefinitionKind } from '../definition-kind.js'
import { examples } from '../help-examples.js'
import { featureDefinitions } from './features.js'
import { graphDefinitions } from './graphs.js'
import { monitorDefinitions } from './monitor.js'

/** Every kind of definition `strata apply` applies, in order; a new kind adds itself here. */
export const DEFINITION_KINDS: readonly DefinitionKind[] = [
  featureDefinitions,
  monitorDefinitions,
  graphDefinitions,
]

/**
 * `strata apply`: the one entry that applies every kind of definition the project configures.
 * Every kind is planned first, so a breaking change in any of them (without
 * `--allow-breaking`) stops the command before anything is applied.
 */
export function registerApply(
  program: Command,
  ctx: CliContext,
  kinds: readonly DefinitionKind[] = DEFINITION_KINDS,
): void {
  program
    .command('apply')
    .addHelpText('after', examples('strata apply', 'strata apply --json'))
    .description(
      `apply every kind of definition the project configures (${kinds.map((k) => k.name).join(', ')})`,
    )
    .option('--allow-breaking', 'apply even when a plan has breaking changes')
    .action(
      ctx.action(async (out, opts: { allowBreaking?: boolean }) => {
        await using strata = await ctx.openStrata()
        const configured = kinds.filter((k) => k.configured(strata.config))
        if (configured.length === 0) {
          throw new StrataError(
            'FAILED_PRECONDITION',
            `nothing to apply: the project configures no definitions; set ${kinds.map((k) => k.configHint).join(' or ')} in strata.config.ts`,
          )
        }
        const allowBreaking = opts.allowBreaking === true
        if (!allowBreaking) {
          const breaking: Record<string, string[]> = {}
          for (const kind of configured) {
            const changes = await kind.breakingChanges(strata)
            if (changes.length > 0) breaking[kind.name] = changes
          }
          const listed = Object.entries(breaking).map(([name, changes]) => `${name}: ${changes.join(', ')}`)
          if (listed.length > 0) {
            throw new StrataError(
              'FAILED_PRECONDITION',
              `the plan has breaking changes (${listed.join('; ')}); review ${configured.map((k) => `"${k.planCommand}"`).join(', ')} and apply with --allow-breaking`,
              { details: { breaking } },
            )
          }
        }
        const results: Record<string, unknown> = {}
        const sections: string[] = []
        for (const kind of configured) {
          const applied = await kind.apply(strata, { allowBreaking })
          results[kind.name] = applied.result
          sections.push(`${kind.name}:\n${indent(applied.human)}`)
        }
        out.result(results, () => sections.join('\n\n'))
      }),
    )
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n')
}
