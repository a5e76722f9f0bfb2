import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp, tokenPrincipal } from '../../src/api/index.js'
import { initProject, openStrata, type Strata } from '../../src/platform/index.js'
import { linearRegressorToOnnx } from '../../src/registry/index.js'
import { chromiumAvailable, collectProblems, launchChromium, seriousViolations } from '../support/browser.js'

const webRoot = join(import.meta.dirname, '..', '..', 'web', 'dist')

/** A 1×1 PNG. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)
/** Bytes that are not text (every byte value), for a download compared byte for byte. */
const WEIGHTS = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) % 256)

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
  let runId: string
  let onnx: Uint8Array

  beforeAll(async () => {
    if (!existsSync(join(webRoot, 'index.html')))
      throw new Error(`no built UI at ${webRoot}: run npm run build first`)
    dir = mkdtempSync(join(tmpdir(), 'strata-web-sign-in-'))
    initProject(dir, { name: 'sign-in-test' })
    strata = await openStrata({ cwd: dir, env: {} })
    const tracking = await strata.tracking()
    await tracking.experiments.create('guarded')
    // a run with a text, an image and a binary artifact, and a model version: files the API serves
    const run = await tracking.startRun({ experiment: 'guarded', name: 'with-files' })
    await run.logArtifact(new TextEncoder().encode('the notes of this run\n'), 'notes.txt')
    await run.logArtifact(PIXEL, 'plots/pixel.png')
    await run.logArtifact(WEIGHTS, 'weights.bin')
    await run.end('FINISHED')
    runId = run.runId
    onnx = linearRegressorToOnnx({ coefficients: [[1, 2]], intercepts: [0.5] })
    await (await strata.registry()).registerVersion('guarded-model', { onnx, runId, createModel: true })
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

  it('downloads and previews artifacts and model files signed in, the token never in a URL', async () => {
    const reader = (
      await (await strata.tokens()).create({ name: 'reader', scopes: 'read', principal: 'ana' })
    ).token
    const requested: string[] = []
    page.on('request', (r) => requested.push(r.url()))
    await page.goto(`${url}/#/runs/${runId}`)
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor()
    await page.getByLabel('API token').fill(reader)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('main h1', { hasText: 'with-files' }).waitFor()
    const signedIn = problems.length

    // a text preview, read with the token
    await page.getByRole('button', { name: 'notes.txt' }).click()
    await page.locator('pre.preview', { hasText: 'the notes of this run' }).waitFor()
    // an image preview: the bytes read with the token, shown from an object URL
    await page.getByRole('button', { name: 'plots/' }).click()
    await page.getByRole('button', { name: 'pixel.png' }).click()
    const img = page.getByRole('img', { name: 'Artifact plots/pixel.png' })
    await img.waitFor()
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    // …and decoded by the browser
    await page.waitForFunction(`document.querySelector('img.preview')?.complete === true &&
      document.querySelector('img.preview').naturalWidth === 1`)

    // a download: saved by the browser with the artifact's bytes
    await page.getByRole('button', { name: '..' }).click()
    const [weights] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download weights.bin' }).click(),
    ])
    expect(weights.suggestedFilename()).toBe('weights.bin')
    expect(weights.url()).toMatch(/^blob:/)
    expect(new Uint8Array(readFileSync(await weights.path()))).toEqual(WEIGHTS)

    // a model version's file
    await page.goto(`${url}/#/models/guarded-model/versions/1`)
    await page.locator('main h1', { hasText: 'guarded-model v1' }).waitFor()
    const [model] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /\.onnx$/ }).click(),
    ])
    expect(new Uint8Array(readFileSync(await model.path()))).toEqual(new Uint8Array(onnx))

    // every request went without the token in its URL, and none was refused
    expect(requested.filter((u) => u.includes(reader))).toEqual([])
    expect(requested.some((u) => u.includes(`/api/runs/${runId}/artifacts/weights.bin`))).toBe(true)
    expect(problems.slice(signedIn)).toEqual([])
  })
})
