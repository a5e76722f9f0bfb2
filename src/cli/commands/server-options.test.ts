import { Command } from 'commander'
import { expect, it } from 'vitest'
import type { CliContext } from '../context.js'
import { registerServer } from './server.js'

/** The options of one command, with their defaults. */
function optionsOf(program: Command, name: string): Record<string, unknown> {
  const command = program.commands.find((c) => c.name() === name)
  if (command === undefined) throw new Error(`no command ${name}`)
  return Object.fromEntries(command.options.map((o) => [o.long, o.defaultValue]))
}

it('strata serve takes every option of strata server but --model, with the same defaults', () => {
  const program = new Command()
  // registration only wraps the actions; none runs here
  registerServer(program, { action: (fn: unknown) => fn } as unknown as CliContext)
  const server = optionsOf(program, 'server')
  const serve = optionsOf(program, 'serve')
  const { '--model': model, ...shared } = server
  expect(model).toBeUndefined()
  expect(serve).toEqual(shared)
  // a project with monitors made `strata serve` fail with `--monitor-poll-seconds "undefined"`
  expect(serve['--monitor-poll-seconds']).toBe('5')
})
