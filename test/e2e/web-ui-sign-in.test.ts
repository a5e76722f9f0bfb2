import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp, tokenPrincipal } from '../../src/api/index.js'
import { initProject, openStrata, type Strata } from '../../src/platform/index.js'
import { chromiumAvailable, collectProblems, launchChromium, seriousViolations } from '../support/browser.js'

const webRoot = join(import.meta.dirname, '..', '..', 'web', 'dist')

/** A `strata server` with tokens required (`tokenPrincipal`), its UI in Chromium. */
describe.skipIf(!chromiumAvailable())('web UI sign-in on a server that requires tokens', () => {
  let dir: string
  let strata: Strata
  let app: FastifyInstance
  let url: string
  let browser: Browser
  let page: Page
  let problems: string[]
  let token: string

  beforeAll(async () => {
    if (!existsSync(join(webRoot, 'index.html')))
      throw new Error(`no built UI at ${webRoot}: run npm run build first`)
    dir = mkdtempSync(join(tmpdir(), 'strata-web-sign-in-'))
    initProject(dir, { name: 'sign-in-test' })
    strata = await openStrata({ cwd: dir, env: {} })
    await (await strata.tracking()).experiments.create('guarded')
    token = (await (await strata.tokens()).create({ name: 'viewer', scopes: 'read', principal: 'ana' })).token
    app = await createServerApp(strata, { version: 'test', webRoot, principal: tokenPrincipal(strata) })
    url = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' })
    problems = collectProblems(page)
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await strata?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** The token the page keeps in its session storage. */
  const storedToken = () => page.evaluate(`sessionStorage.getItem('strata.token')`)

  /** The browser logs each 401 answer as a failed resource: those are the point here. */
  const otherProblems = () => problems.filter((m) => !m.includes('401'))

  it('asks for a token, refuses a wrong one with the server message, and opens the page with a right one', async () => {
    await page.goto(`${url}/#/experiments`)
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor()
    expect(await page.locator('.conn').textContent()).toBe('Signed out')
    expect(await seriousViolations(page)).toEqual([])

    await page.getByLabel('API token').fill('strata_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor()
    expect(await storedToken()).toBeNull()

    await page.getByLabel('API token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('main h1', { hasText: 'Experiments' }).waitFor()
    await page.getByRole('link', { name: 'guarded' }).waitFor()
    // the header names who the token acts as; the live stream (sent the token too) is open
    await page.locator('.session', { hasText: 'ana (token viewer)' }).waitFor()
    await page.locator('.conn-live').waitFor()
    expect(await storedToken()).toBe(token)
    expect(otherProblems()).toEqual([])
  })

  it('keeps the token across a reload of the tab, and signs out', async () => {
    await page.reload()
    await page.locator('main h1', { hasText: 'Experiments' }).waitFor()
    await page.locator('.conn-live').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor()
    expect(await storedToken()).toBeNull()
    // signed out, the next page asks again
    await page.goto(`${url}/#/models`)
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor()
    expect(otherProblems()).toEqual([])
  })

  it('forgets a token revoked while signed in and says the server refused it', async () => {
    await page.getByLabel('API token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('main h1', { hasText: 'Models' }).waitFor()
    await (await strata.tokens()).revoke('viewer')
    await page.goto(`${url}/#/experiments`)
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor()
    await page.getByRole('alert').filter({ hasText: 'refused the token' }).waitFor()
    expect(await storedToken()).toBeNull()
    expect(otherProblems()).toEqual([])
  })
})
