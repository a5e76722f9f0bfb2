/**
 * The `Examples:` section every command's help ends with: one command per line, optionally
 * followed by `# what it does`, indented as commander indents its own sections.
 *
 * @example
 * program.command('doctor').addHelpText('after', examples('strata doctor', 'strata doctor --json'))
 */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`
}
