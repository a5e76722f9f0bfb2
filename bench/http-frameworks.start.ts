/**
 * Starting the servers of `http-frameworks.bench.ts` (and of its probe): the online data
 * materialized once into a SQLite online store, then one child process per server
 * (`http-frameworks.server.ts`) over it, each with its own project directory.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { generateDriverStats, openFeatureStoreForBench } from './feature-online.setup.js'
import type { Framework } from './http-frameworks.routes.js'

/** Drivers in the online bench data. */
export const ENTITIES = 10_000

/** A running bench server and what it seeded. */
export interface Target {
  framework: Framework
  child: ChildProcess
  url: string
  runId: string
  downloadPath: string
  uploadPath: string
  /** The node:http server's timeouts as the framework left them (ms; 0 = none). */
  timeouts: { request: number; headers: number; keepAlive: number; idle: number }
}

/** Servers started over one materialized online store; `stop` ends them and removes their files. */
export interface BenchServers {
  targets: Target[]
  stop(): Promise<void>
}

/** Generates and materializes the online data under `dir`, then starts `frameworks` one by one. */
export async function startBenchServers(
  dir: string,
  frameworks: readonly Framework[],
  artifactBytes: number,
): Promise<BenchServers> {
  const prefix = `h${process.pid}`
  await generateDriverStats(dir, ENTITIES)
  const onlineUrl = `sqlite:${join(dir, `online-${prefix}.db`)}`
  const bench = await openFeatureStoreForBench(dir, onlineUrl, prefix, join(dir, `meta-${prefix}.db`))
  await bench.store.materialize()
  await bench.online.close()
  await bench.engine.close()
  await bench.metadata.close()

  const targets: Target[] = []
  const stop = async () => {
    await Promise.all(targets.map(exited))
    for (const db of [`online-${prefix}.db`, `meta-${prefix}.db`]) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${db}${suffix}`), { force: true })
    }
    for (const f of frameworks) rmSync(join(dir, `project-${prefix}-${f}`), { recursive: true, force: true })
  }
  try {
    for (const framework of frameworks) {
      const setup = {
        dataDir: dir,
        onlineUrl,
        prefix,
        projectDir: join(dir, `project-${prefix}-${framework}`),
        artifactBytes,
      }
      targets.push(await startServer(framework, JSON.stringify(setup)))
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { targets, stop }
}

/** Sends SIGTERM and waits for the exit (SIGKILL after 5 s), so no file is still open. */
function exited(t: Target): Promise<void> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    const force = setTimeout(() => t.child.kill('SIGKILL'), 5000)
    t.child.once('exit', () => {
      clearTimeout(force)
      done()
    })
    t.child.kill('SIGTERM')
  })
}

function startServer(framework: Framework, setup: string): Promise<Target> {
  const here = resolve(import.meta.dirname ?? '.')
  const jitiCli = join(here, '..', 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs')
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there on exit (where the time goes).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : []
  const child = spawn(
    process.execPath,
    [...profile, jitiCli, join(here, 'http-frameworks.server.ts'), framework, setup],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  return new Promise((done, fail) => {
    let buf = ''
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const line = buf.split('\n').find((l) => l.startsWith('{'))
      if (line) done({ framework, child, ...(JSON.parse(line) as Omit<Target, 'framework' | 'child'>) })
    })
    child.on('exit', (code) => fail(new Error(`${framework} server exited with ${code}`)))
  })
}
