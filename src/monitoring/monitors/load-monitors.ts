import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { StrataError } from '../../core/errors.js'
import { importUserModule } from '../../core/user-module.js'
import { isMonitor, type MonitorDefinition, monitor } from './monitor-definition.js'

/**
 * Loads the monitors a project declares: every `monitor(...)` exported by the module named by
 * `monitors` in strata.config.ts. Two monitors with one name fail with `INVALID_ARGUMENT`.
 */
export async function loadMonitors(root: string, entry: string | undefined): Promise<MonitorDefinition[]> {
  if (entry === undefined) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `no monitors configured; set monitors: 'monitors.ts' in strata.config.ts (a module exporting monitor(...) definitions)`,
    )
  }
  const file = isAbsolute(entry) ? entry : resolve(root, entry)
  if (!existsSync(file))
    throw new StrataError('NOT_FOUND', `monitors file ${file} does not exist (monitors in strata.config.ts)`)
  const mod = await importUserModule(file)
  const byName = new Map<string, MonitorDefinition>()
  for (const [exportName, value] of Object.entries(mod)) {
    if (!isMonitor(value)) continue
    if (byName.has(value.name) && byName.get(value.name) !== value) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${file}: two monitors are named "${value.name}" (one exported as ${exportName})`,
      )
    }
    // Re-validate: the module may build the object by hand.
    byName.set(value.name, monitor(value))
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
}
