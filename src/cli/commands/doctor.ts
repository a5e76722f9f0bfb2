import type { Command } from 'commander'
import { runDoctor } from '../../platform/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { formatTable } from '../output.js'

/** `strata doctor`: checks every configured backend; exits 1 when any check fails. */
export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .addHelpText(
      'after',
      examples('strata doctor', 'strata doctor --json   # for scripts: one object per backend'),
    )
    .description('check each configured backend: reachable, version, writable, latency')
    .action(
      ctx.action(async (out) => {
        await using strata = await ctx.openStrata()
        const checks = await runDoctor(strata)
        const ok = checks.every((c) => c.ok)
        out.result(
          { ok, root: strata.config.root, configFile: strata.config.configFile ?? null, checks },
          () => {
            const table = formatTable(
              ['backend', 'status', 'kind', 'version', 'latency', 'uri'],
              checks.map((c) => [
                c.setting,
                c.ok ? 'ok' : 'FAIL',
                c.kind,
                c.version,
                c.latencyMs === undefined ? undefined : `${c.latencyMs} ms`,
                c.uri,
              ]),
            )
            const failures = checks.filter((c) => !c.ok).map((c) => `${c.setting}: ${c.error}`)
            return [`project ${strata.config.root}`, table, ...failures].join('\n')
          },
        )
        if (!ok) ctx.setExitCode(1)
      }),
    )
}
