import type { Reporter, TestModule } from 'vitest/node'

/** Counts of one backend's tests in a run. */
interface Tally {
  passed: number
  failed: number
  skipped: number
}

/** `BlobStore conformance: s3` → port and backend; `migration runner [postgres]` → metadata dialect. */
const CONFORMANCE = /^(BlobStore|OnlineStore|TableEngine) conformance: (\S+)/
const METADATA = /\[(sqlite|postgres)\]$/

/**
 * Prints, after every run, which backends each port's conformance suite and the metadata
 * suites ran on, with passed/failed/skipped counts — the CI log's proof that no backend suite
 * was silently left out.
 */
export default class BackendSuitesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const tallies = new Map<string, Tally>()
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const key = suiteKey(test.fullName)
        if (key === undefined) continue
        const tally = tallies.get(key) ?? { passed: 0, failed: 0, skipped: 0 }
        const state = test.result().state
        if (state === 'passed') tally.passed++
        else if (state === 'failed') tally.failed++
        else tally.skipped++
        tallies.set(key, tally)
      }
    }
    if (tallies.size === 0) return
    const lines = [...tallies.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, t]) => `  ${key.padEnd(34)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`)
    console.log(`\nBackend suites run:\n${lines.join('\n')}`)
  }
}

function suiteKey(fullName: string): string | undefined {
  for (const part of fullName.split(' > ')) {
    const c = CONFORMANCE.exec(part)
    if (c !== null) return `${c[1]} conformance: ${c[2]}`
    const m = METADATA.exec(part)
    if (m !== null) return `metadata suites: ${m[1]}`
  }
  return undefined
}
