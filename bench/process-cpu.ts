/**
 * CPU time a process has used so far (user + system, milliseconds), from `/proc/<pid>/stat`.
 * Benches divide the difference over a load run by the requests served: a server's CPU per
 * request does not depend on how busy the rest of the machine is, as latency and rate do.
 */
import { readFileSync } from 'node:fs'

/** Clock ticks per second of `/proc` times (`getconf CLK_TCK`; 100 on Linux everywhere in use). */
const CLOCK_TICKS = 100

/** User + system CPU milliseconds of process `pid` (Linux only; throws elsewhere). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / CLOCK_TICKS
}
