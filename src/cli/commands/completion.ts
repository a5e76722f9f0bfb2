import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'

const SHELLS = ['bash', 'zsh', 'fish'] as const
type Shell = (typeof SHELLS)[number]

/** One command of the tree: its path, its subcommands' names and its long options. */
interface CompletionNode {
  path: string
  subcommands: string[]
  options: string[]
}

/** `strata completion bash|zsh|fish`: a completion script for the whole command tree. */
export function registerCompletion(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', SHELLS.join(', '))
    .addHelpText(
      'after',
      examples(
        'source <(strata completion bash)           # in ~/.bashrc',
        'strata completion fish > ~/.config/fish/completions/strata.fish',
      ),
    )
    .action(
      ctx.action(async (out, shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell)) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `shell "${shell}" is not supported; expected one of ${SHELLS.join(', ')}`,
          )
        }
        const nodes = completionNodes(program)
        const script = completionScript(shell as Shell, nodes)
        out.result({ shell, script }, () => script)
      }),
    )
}

/** Every command of `program` (the root has path `''`), with what may follow it. */
export function completionNodes(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = []
  const walk = (cmd: Command, path: string): void => {
    const globals = path === '' ? ['--help', '--version'] : ['--help']
    nodes.push({
      path,
      subcommands: cmd.commands.map((c) => c.name()),
      options: [
        ...new Set([
          ...cmd.options.map((o) => o.long).filter((o): o is string => o !== undefined),
          ...globals,
        ]),
      ],
    })
    for (const sub of cmd.commands) walk(sub, path === '' ? sub.name() : `${path} ${sub.name()}`)
  }
  walk(program, '')
  return nodes
}

/** The completion script of `shell` for the command tree `nodes`. */
export function completionScript(shell: Shell, nodes: CompletionNode[]): string {
  if (shell === 'fish') return fishScript(nodes)
  const cases = nodes
    .map((n) => `    "${n.path}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`)
    .join('\n')
  const bash = `_strata_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" node="" words="" w
  # Walk the words typed so far; only known subcommands move down the tree.
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case " $(_strata_subcommands "$node") " in *" $w "*) node="\${node:+$node }$w" ;; esac
  done
  case "$node" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
_strata_subcommands() {
  case "$1" in
${nodes.map((n) => `    "${n.path}") echo "${n.subcommands.join(' ')}" ;;`).join('\n')}
  esac
}
complete -o default -F _strata_complete strata
`
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash
}

function fishScript(nodes: CompletionNode[]): string {
  const lines = [
    '# The subcommand path typed so far (known subcommands only).',
    'function __strata_path',
    '  set -l tokens (commandline -opc)',
    '  set -l path ""',
    '  for t in $tokens[2..-1]',
    '    if contains -- "$path:$t" $__strata_edges',
    '      set path (string trim -- "$path $t")',
    '    end',
    '  end',
    '  echo $path',
    'end',
    `set -g __strata_edges ${nodes.flatMap((n) => n.subcommands.map((s) => `'${n.path}:${s}'`)).join(' ')}`,
  ]
  for (const n of nodes) {
    const when = `-n 'test "(__strata_path)" = "${n.path}"'`
    if (n.subcommands.length > 0) lines.push(`complete -c strata -f ${when} -a '${n.subcommands.join(' ')}'`)
    for (const o of n.options) lines.push(`complete -c strata ${when} -l ${o.replace(/^--/, '')}`)
  }
  return `${lines.join('\n')}\n`
}
