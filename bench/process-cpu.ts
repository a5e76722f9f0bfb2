/**
 * CPU time a process has used so far (user + system, milliseconds), from `/proc/<pid>/stat`.
 * Benches divide the difference over a load run by the requests served: a server's CPU per
 * request does not depend on how busy the rest of the machine is, as latency and rate do.
 */
import { readdirSync, readFileSync } from 'node:fs'

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

/** The pids of `pid`'s children (every thread's), from `/proc/<pid>/task/<tid>/children`. */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tasks) {
    try {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim()
      if (list !== '') out.push(...list.split(' ').map(Number))
    } catch {}
  }
  return out
}

/**
 * {@link processCpuMs} of `pid` and all its live descendants (a gunicorn master and its workers,
 * say). A descendant that exited mid-run takes its time with it: servers under test keep theirs.
 */
export function processTreeCpuMs(pid: number): number {
  let total = 0
  const queue = [pid]
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    try {
      total += processCpuMs(next)
    } catch {
      continue
    }
    queue.push(...childrenOf(next))
  }
  return total
}
