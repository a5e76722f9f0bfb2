import type { Command } from 'commander'
import { SCOPES } from '../../access/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { formatTable, formatTime } from '../output.js'

/** `strata token create|list|revoke`: API tokens with scopes for `strata server` (see docs/security.md). */
export function registerToken(program: Command, ctx: CliContext): void {
  const token = program
    .command('token')
    .description('manage API tokens for strata server (stored hashed in the metadata database)')

  token
    .command('create')
    .addHelpText(
      'after',
      examples(
        'strata token create --name ci --scopes read,write:tracking',
        'strata token create --name deployer --scopes read,deploy --json',
      ),
    )
    .description('create a token; its secret is printed once and never stored')
    .requiredOption('--name <name>', 'unique name of the token (letters, digits, ".", "_", "-")')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${SCOPES.join(', ')}`)
    .option('--principal <id>', 'who requests with the token act as (default: token:<name>)')
    .action(
      ctx.action(async (out, opts: { name: string; scopes: string; principal?: string }) => {
        await using strata = await ctx.openStrata()
        const created = await (await strata.tokens()).create({
          name: opts.name,
          scopes: opts.scopes,
          ...(opts.principal === undefined ? {} : { principal: opts.principal }),
        })
        out.result(
          { token: created.token, ...created.info },
          () =>
            `${created.token}\n` +
            `token "${created.info.name}" (id ${created.info.id}) acts as ${created.info.principal} with ${created.info.scopes.join(', ')}; ` +
            'store it now: it is not shown again',
        )
      }),
    )

  token
    .command('list')
    .addHelpText('after', examples('strata token list'))
    .description('list tokens (never their secrets)')
    .option('--all', 'include revoked tokens')
    .action(
      ctx.action(async (out, opts: { all?: boolean }) => {
        await using strata = await ctx.openStrata()
        const tokens = await (await strata.tokens()).list({ includeRevoked: opts.all === true })
        out.result(tokens, () =>
          tokens.length === 0
            ? 'no tokens: strata server accepts requests on loopback only without them'
            : formatTable(
                ['id', 'name', 'principal', 'scopes', 'created', 'by', 'revoked'],
                tokens.map((t) => [
                  t.id,
                  t.name,
                  t.principal,
                  t.scopes.join(','),
                  formatTime(t.createdAt),
                  t.createdBy,
                  t.revokedAt === undefined ? '' : formatTime(t.revokedAt),
                ]),
              ),
        )
      }),
    )

  token
    .command('revoke')
    .addHelpText('after', examples('strata token revoke ci'))
    .description('revoke a token by name or id; requests with it are refused from now on')
    .argument('<token>', 'the name or id of an active token')
    .action(
      ctx.action(async (out, nameOrId: string) => {
        await using strata = await ctx.openStrata()
        const revoked = await (await strata.tokens()).revoke(nameOrId)
        out.result(revoked, () => `revoked token "${revoked.name}" (id ${revoked.id})`)
      }),
    )
}
