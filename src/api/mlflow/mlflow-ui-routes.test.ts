import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { injectFetch } from '../../../test/support/inject-fetch.js'
import { openStrata, type Strata } from '../../platform/index.js'
import { createServerApp } from '../server-app.js'

let dir: string
let strata: Strata
let fetchApp: (request: Request) => Promise<Response>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-mlflow-ui-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  fetchApp = injectFetch(await createServerApp(strata, { version: '9.9.9' }))
})
afterAll(async () => {
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

type Body = Record<string, unknown>
/** MLflow 3's error fields of INVALID_PARAMETER_VALUE. */
const INVALID = {
  error_code: 'INVALID_PARAMETER_VALUE',
  sqlstate: 'KAM00',
  error_class: 'INVALID_PARAMETER_VALUE',
}
const ajax = 'http://local/ajax-api/2.0/mlflow'

async function call(method: string, url: string, body?: unknown, type = 'application/json') {
  const init: RequestInit = { method, headers: { 'content-type': type } }
  if (body !== undefined)
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)
  const res = await fetchApp(new Request(url.startsWith('/') ? `http://local${url}` : url, init))
  return res
}
async function json(method: string, url: string, body?: unknown): Promise<{ status: number; json: Body }> {
  const res = await call(method, url, body)
  const text = await res.text()
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Body) }
}

async function newRun(experimentId = '0'): Promise<string> {
  const { json: b } = await json('POST', `${ajax}/runs/create`, {
    experiment_id: experimentId,
    start_time: 1,
  })
  return ((b.run as Body).info as Body).run_id as string
}

describe('MLflow web UI RPCs: get-history-bulk and search-datasets', () => {
  it('answers every value of a metric of several runs, by run id then timestamp, step, value', async () => {
    const [a, b] = [await newRun(), await newRun()]
    for (const [run, values] of [
      [a, [3, 1]],
      [b, [5]],
    ] as const) {
      for (const [i, v] of values.entries()) {
        await json('POST', `${ajax}/runs/log-metric`, {
          run_id: run,
          key: 'loss',
          value: v,
          timestamp: 10 - i,
          step: i,
        })
      }
    }
    const res = await json(
      'GET',
      `${ajax}/metrics/get-history-bulk?run_id=${a}&run_id=${b}&run_id=${'0'.repeat(32)}&metric_key=loss`,
    )
    expect(res.status).toBe(200)
    const expected = [
      { key: 'loss', value: 1, timestamp: 9, step: 1, run_id: a },
      { key: 'loss', value: 3, timestamp: 10, step: 0, run_id: a },
      { key: 'loss', value: 5, timestamp: 10, step: 0, run_id: b },
    ].sort((x, y) => x.run_id.localeCompare(y.run_id))
    expect(res.json.metrics).toEqual(expected)
    const capped = await json(
      'GET',
      `${ajax}/metrics/get-history-bulk?run_id=${a}&run_id=${b}&metric_key=loss&max_results=2`,
    )
    expect(capped.json.metrics).toEqual(expected.slice(0, 2))

    expect(await json('GET', `${ajax}/metrics/get-history-bulk?metric_key=loss`)).toEqual({
      status: 400,
      json: {
        ...INVALID,
        message: 'GetMetricHistoryBulk request must specify at least one run_id.',
      },
    })
    expect((await json('GET', `${ajax}/metrics/get-history-bulk?run_id=${a}`)).json.message).toBe(
      'GetMetricHistoryBulk request must specify a metric_key.',
    )
  })

  it("lists the distinct datasets an experiment's runs consumed, with their context", async () => {
    const exp = (await json('POST', `${ajax}/experiments/create`, { name: 'ui-datasets' })).json
      .experiment_id as string
    const run = await newRun(exp)
    const dataset = { name: 'iris', digest: 'abc', source_type: 'local', source: 'iris.csv' }
    const inputs = {
      run_id: run,
      datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
    }
    expect((await json('POST', `${ajax}/runs/log-inputs`, inputs)).status).toBe(200)
    const res = await json('POST', `${ajax}/experiments/search-datasets`, { experiment_ids: [exp] })
    expect(res).toEqual({
      status: 200,
      json: { dataset_summaries: [{ experiment_id: exp, name: 'iris', digest: 'abc', context: 'training' }] },
    })
    expect(await json('POST', `${ajax}/experiments/search-datasets`, { experiment_ids: ['0'] })).toEqual({
      status: 200,
      json: {},
    })
    expect((await json('POST', `${ajax}/experiments/search-datasets`, {})).json).toEqual({
      ...INVALID,
      message: 'SearchDatasets request must specify at least one experiment_id.',
    })
  })
})

describe('MLflow web UI artifact routes: upload-artifact, get-artifact, model-versions/get-artifact, logged-model files', () => {
  it('uploads a file to a run and downloads it as an attachment with MLflow’s content type and nosniff', async () => {
    const run = await newRun()
    const pdf = new TextEncoder().encode('%PDF-1.4 fake')
    const up = await call(
      'POST',
      `${ajax}/upload-artifact?run_uuid=${run}&path=plots/roc.pdf`,
      pdf,
      'application/pdf',
    )
    expect(up.status).toBe(200)
    await call(
      'POST',
      `${ajax}/upload-artifact?run_uuid=${run}&path=page.html`,
      '<script>1</script>',
      'text/html',
    )
    await call(
      'POST',
      `${ajax}/upload-artifact?run_uuid=${run}&path=MLmodel`,
      'flavors: {}',
      'application/octet-stream',
    )
    // What a cross-site form can post without a preflight is refused.
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const forged = await call('POST', `${ajax}/upload-artifact?run_uuid=${run}&path=x.txt`, 'x', type)
      expect(forged.status, type).toBe(415)
    }

    const res = await call('GET', `/get-artifact?run_id=${run}&path=plots/roc.pdf`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="roc.pdf"/)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(pdf)

    const model = await call('GET', `/get-artifact?run_uuid=${run}&path=MLmodel`)
    expect(model.headers.get('content-type')).toBe('text/plain')
    // User HTML is never sent as text/html (MLflow sends it as a text/html attachment).
    const html = await call('GET', `/get-artifact?run_id=${run}&path=page.html`)
    expect([
      html.headers.get('content-type'),
      html.headers.get('content-disposition')?.split(';')[0],
    ]).toEqual(['text/plain; charset=utf-8', 'attachment'])
    // The same headers on the artifact proxy.
    const proxied = await call('GET', `/api/2.0/mlflow-artifacts/artifacts/0/${run}/plots/roc.pdf`)
    expect([proxied.status, proxied.headers.get('content-type')]).toEqual([200, 'application/pdf'])

    const dirRes = await json('GET', `/get-artifact?run_id=${run}&path=plots`)
    expect(dirRes).toEqual({
      status: 400,
      json: {
        ...INVALID,
        message: "Artifact path refers to a directory, not a file: 'plots'",
      },
    })
    expect((await json('GET', `/get-artifact?run_id=${run}&path=nope.txt`)).status).toBe(404)
    expect((await json('GET', `/get-artifact?run_id=${'0'.repeat(32)}&path=a.txt`)).json.error_code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    )
  })

  it("refuses unsafe paths with MLflow's 'Invalid path' and bad uploads with MLflow's messages", async () => {
    const run = await newRun()
    for (const path of [
      '../x',
      'a/../../x',
      '%2E%2E/x',
      '/etc/passwd',
      'a#b',
      'a\\b',
      'C:/x',
      'file:///etc/passwd',
    ]) {
      const q = encodeURIComponent(path)
      for (const url of [
        `/get-artifact?run_id=${run}&path=${q}`,
        `${ajax}/upload-artifact?run_uuid=${run}&path=${q}`,
      ]) {
        const res = await json(
          url.includes('upload') ? 'POST' : 'GET',
          url,
          url.includes('upload') ? 'x' : undefined,
        )
        expect(res, `${url}`).toEqual({
          status: 400,
          json: { ...INVALID, message: 'Invalid path' },
        })
      }
    }
    const bad = async (url: string, body?: string) => (await json('POST', url, body)).json.message
    expect(await bad(`${ajax}/upload-artifact?path=a.txt`, 'x')).toBe('Request must specify run_uuid.')
    expect(await bad(`${ajax}/upload-artifact?run_uuid=${run}`, 'x')).toBe('Request must specify path.')
    expect(await bad(`${ajax}/upload-artifact?run_uuid=${run}&path=a.txt`)).toBe('Request must specify data.')
    const big = new Uint8Array(10 * 1024 * 1024 + 1)
    const tooBig = await call(
      'POST',
      `${ajax}/upload-artifact?run_uuid=${run}&path=big.bin`,
      big,
      'application/octet-stream',
    )
    expect([tooBig.status, ((await tooBig.json()) as Body).message]).toEqual([
      400,
      'Artifact size is too large. Max size is 10MB.',
    ])
  })

  it('serves the files of a logged model and of a registered version under its download URI', async () => {
    const run = await newRun()
    const created = await json('POST', `${ajax}/logged-models`, { experiment_id: '0', source_run_id: run })
    const model = created.json.model as { info: { model_id: string; artifact_uri: string } }
    const id = model.info.model_id
    const root = model.info.artifact_uri.replace('mlflow-artifacts:/', '')
    const put = await call(
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${root}/MLmodel`,
      'artifact_path: m',
      'text/plain',
    )
    expect(put.status).toBe(200)

    const file = await call('GET', `${ajax}/logged-models/${id}/artifacts/files?artifact_file_path=MLmodel`)
    expect([file.status, await file.text(), file.headers.get('x-content-type-options')]).toEqual([
      200,
      'artifact_path: m',
      'nosniff',
    ])
    // MLflow's code here is BAD_REQUEST.
    expect((await json('GET', `${ajax}/logged-models/${id}/artifacts/files`)).json).toEqual({
      error_code: 'BAD_REQUEST',
      message: 'Request must include the "artifact_file_path" query parameter.',
      sqlstate: 'KAM00',
      error_class: 'INVALID_PARAMETER_VALUE',
    })

    await json('POST', `${ajax}/registered-models/create`, { name: 'ui-model' })
    const v = await json('POST', `${ajax}/model-versions/create`, {
      name: 'ui-model',
      source: `models:/${id}`,
      model_id: id,
    })
    expect(v.status).toBe(200)
    const mv = await call('GET', '/model-versions/get-artifact?name=ui-model&version=1&path=MLmodel')
    expect([mv.status, await mv.text()]).toEqual([200, 'artifact_path: m'])
    expect(
      (await json('GET', '/model-versions/get-artifact?name=ui-model&version=1&path=../x')).json.message,
    ).toBe('Invalid path')

    // A runs:/ source resolves through the run's artifacts.
    await call(
      'POST',
      `${ajax}/upload-artifact?run_uuid=${run}&path=model/MLmodel`,
      'from run',
      'application/octet-stream',
    )
    await json('POST', `${ajax}/model-versions/create`, {
      name: 'ui-model',
      source: `runs:/${run}/model`,
      run_id: run,
    })
    const fromRun = await call('GET', '/model-versions/get-artifact?name=ui-model&version=2&path=MLmodel')
    expect([fromRun.status, await fromRun.text()]).toEqual([200, 'from run'])
  })
})
