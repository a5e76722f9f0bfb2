import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TempProject, tempProject } from '../../src/testing/temp-project.js'
import { type StrataServerProcess, startStrataServer } from './strata-server-process.js'

/**
 * The stock `mlflow` Python client against a real `strata server`. The venv comes from
 * `scripts/python-env.sh` and is passed as STRATA_TEST_PYTHON; without it the suite is skipped
 * locally (with the reason) and fails in CI, like the backend suites.
 */
const VARIABLE = 'STRATA_TEST_PYTHON'
const python = process.env[VARIABLE] === '' ? undefined : process.env[VARIABLE]
const scripts = new URL('./python/', import.meta.url).pathname

interface ScriptResult {
  code: number | null
  stderr: string
  summary: { ok: boolean; steps: string[]; failed?: string; error?: string } | undefined
}

/** Runs one compat script against `url`; retries are off so a 5xx fails at once instead of hanging. */
function runScript(
  file: string,
  url: string,
  tmp: string,
  extraEnv: Record<string, string> = {},
): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(
      python as string,
      [join(scripts, file)],
      {
        cwd: tmp,
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          MLFLOW_TRACKING_URI: url,
          MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
          MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
          TMPDIR: tmp,
          GIT_PYTHON_REFRESH: 'quiet',
          PYTHONUNBUFFERED: '1',
          ...extraEnv,
        },
      },
      (error, stdout, stderr) => {
        const last = stdout.trim().split('\n').at(-1) ?? ''
        let summary: ScriptResult['summary']
        try {
          summary = JSON.parse(last) as ScriptResult['summary']
        } catch {
          summary = undefined
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stderr, summary })
      },
    )
  })
}

function expectPassed(result: ScriptResult, steps: string[], server: StrataServerProcess): void {
  const context = `script stderr:\n${result.stderr.slice(-6000)}\nserver stderr:\n${server.stderr().slice(-2000)}`
  expect(result.summary, context).toBeDefined()
  expect(result.summary?.failed, context).toBeUndefined()
  expect(result.summary?.steps, context).toEqual(steps)
  expect(result.code, context).toBe(0)
}

const TRACKING_STEPS = [
  'default experiment 0 exists',
  'get_experiment_by_name of a missing name is None',
  'set_experiment creates, then reuses',
  'create_experiment of a taken name is RESOURCE_ALREADY_EXISTS',
  'start_run returns a RUNNING run in the experiment',
  'log_param and log_params',
  're-logging a param with another value is INVALID_PARAMETER_VALUE',
  'log_metric with steps and log_metrics',
  'set_tag and set_tags',
  'log_artifact, log_artifacts, log_dict, log_text',
  'nested run logs under its parent',
  'get_run shows params, latest metrics, tags and FINISHED',
  'nested run has mlflow.parentRunId',
  'get_metric_history returns every step',
  'log_batch over the 1000-entry chunk and paged history',
  'list_artifacts at the root and in directories',
  'download_artifacts and load_dict/load_text read the bytes back',
  'a run that raises ends FAILED',
  'search_runs with metric, param, tag and attribute filters',
  'search_runs pages with max_results and page_token',
  'an invalid filter is INVALID_PARAMETER_VALUE',
  'delete_run and restore_run',
  'delete_experiment and restore_experiment',
  'missing run is RESOURCE_DOES_NOT_EXIST',
  'set_terminated and update_run',
]

function describeWithPython(name: string, body: () => void): void {
  if (python !== undefined) {
    if (!existsSync(python))
      throw new Error(`${name}: ${VARIABLE}=${python} does not exist; run scripts/python-env.sh`)
    describe(name, body)
    return
  }
  if (process.env.CI === 'true') {
    throw new Error(
      `${name}: ${VARIABLE} is not set, and CI=true requires the real-client tests to run; ` +
        `set it with: export ${VARIABLE}=$(scripts/python-env.sh)`,
    )
  }
  describe.skip(
    `${name} (skipped: ${VARIABLE} is not set; export ${VARIABLE}=$(scripts/python-env.sh))`,
    body,
  )
}

describeWithPython('MLflow compatibility: stock mlflow client against strata server', () => {
  let project: TempProject
  let server: StrataServerProcess
  let tmp: string

  beforeAll(async () => {
    project = await tempProject('strata-compat-')
    expect((await project.cli('init')).code).toBe(0)
    tmp = join(project.dir, 'tmp')
    mkdirSync(tmp)
    server = await startStrataServer(project.dir)
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
    await project?.[Symbol.asyncDispose]()
  })

  it('tracking: experiments, runs, params, metrics, tags, artifacts, search, history, delete/restore', async () => {
    const result = await runScript('compat_tracking.py', server.url, tmp)
    expectPassed(result, TRACKING_STEPS, server)
  }, 300_000)
})
