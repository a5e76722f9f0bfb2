import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempProject } from '../../../test/support/temp-project.js'

const dir = mkdtempSync(join(tmpdir(), 'strata-completion-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What bash completes for `line` (the word under the cursor is the last one) with the script. */
function bashCompletes(script: string, line: string): string[] {
  const file = join(dir, 'strata.bash')
  writeFileSync(file, script)
  const words = line.split(' ')
  const program = `source ${file}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_strata_complete; printf '%s\\n' "\${COMPREPLY[@]}"`
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean)
}

describe('strata completion', () => {
  it('completes subcommands and options from the command tree in bash, outside a project too', async () => {
    await using project = await tempProject('strata-completion-')
    const result = await project.cli('completion', 'bash')
    expect(result.code).toBe(0)
    const script = result.stdout
    expect(bashCompletes(script, 'strata da')).toEqual(['data'])
    expect(bashCompletes(script, 'strata data c')).toEqual(['create', 'commit', 'cat'])
    expect(bashCompletes(script, 'strata experiments ')).toEqual([
      'list',
      'create',
      'delete',
      'restore',
      '--help',
    ])
    // Positional arguments do not move down the tree: options of `runs list` after a value.
    expect(bashCompletes(script, 'strata runs list -e flights --ord')).toEqual(['--order-by'])
    expect(bashCompletes(script, 'strata --ver')).toEqual(['--version'])
  })

  it('prints zsh and fish scripts and refuses other shells with the valid ones', async () => {
    await using project = await tempProject('strata-completion-')
    expect((await project.cli('completion', 'zsh')).stdout).toMatch(/^autoload -U \+X bashcompinit/)
    const fish = (await project.cli('completion', 'fish')).stdout
    expect(fish).toContain(`complete -c strata -f -n 'test "(__strata_path)" = "runs"' -a 'list show compare`)
    const bad = await project.cli('completion', 'tcsh')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('error: shell "tcsh" is not supported; expected one of bash, zsh, fish\n')
  })
})
