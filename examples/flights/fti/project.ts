/**
 * How the flights pipelines' steps reach their project: steps are plain functions run by the
 * pipeline engine (in the driving process or on a `strata worker`), so each opens the project
 * once per process — the directory in `FLIGHTS_PROJECT_DIR`, else the working directory.
 */
import { openStrata } from 'strata-ml'

type Strata = Awaited<ReturnType<typeof openStrata>>

let opened: Promise<Strata> | undefined

/** The project the steps read and write (opened on first use, closed when the process exits). */
export function project(): Promise<Strata> {
  if (opened === undefined) {
    opened = openStrata({ cwd: process.env.FLIGHTS_PROJECT_DIR ?? process.cwd() })
    opened.catch(() => {
      opened = undefined
    })
  }
  return opened
}

/** Closes the steps' project handle (the demo calls it before it exits). */
export async function closeProject(): Promise<void> {
  const p = opened
  opened = undefined
  if (p !== undefined) await (await p).close()
}
