import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's Chromium (the apt package `chromium`); never a downloaded browser. */
export const CHROMIUM = process.env.STRATA_TEST_CHROMIUM ?? '/usr/bin/chromium'

/**
 * Whether the browser suites can run here. Without Chromium they are skipped locally and
 * fail under `CI=true` (`.ci/run` installs it).
 */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM)
}

/** Launches Chromium headless over loopback only (no sandbox in containers, no background traffic). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** Console errors, page errors and failed requests of a page, collected as they happen. */
export function collectProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message} (${page.url()})`))
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`)
    void d.dismiss()
  })
  return problems
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** One axe-core violation, reduced to what a failure message needs. */
export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  targets: string[]
}

/** Runs axe-core (WCAG 2 A/AA rules) in the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // a hash navigation keeps the document, and axe with it: inject it once per document
  if (!(await page.evaluate(`typeof globalThis.axe !== 'undefined'`)))
    await page.addScriptTag({ content: axeSource })
  const violations = await page.evaluate(async () => {
    const win = globalThis as unknown as {
      document: unknown
      axe: {
        run: (
          ctx: unknown,
          opts: unknown,
        ) => Promise<{
          violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[]
        }>
      }
    }
    const result = await win.axe.run(win.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** Where the browser suites save their screenshots (gitignored). */
export function screenshotDir(suite: string): string {
  const dir = join(import.meta.dirname, '..', '..', 'test-results', suite)
  mkdirSync(dir, { recursive: true })
  return dir
}
