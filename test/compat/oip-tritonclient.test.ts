import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openStrata } from '../../src/platform/index.js'
import { linearOnnx } from '../support/serving-models.js'
import { type TempProject, tempProject } from '../support/temp-project.js'
import { expectScriptPassed, runCompatScript } from './compat-script.js'
import { pythonClient } from './python-client.js'
import { type StrataServerProcess, startStrataServer } from './strata-server-process.js'

/**
 * The stock `tritonclient[http]` Python client against a real `strata server --model …`. The
 * venv comes from `scripts/python-env.sh --serving` and is passed as STRATA_TEST_PYTHON_SERVING;
 * without it the suite is skipped locally (with the reason) and fails in CI.
 */
const client = pythonClient('STRATA_TEST_PYTHON_SERVING', '--serving')
const python = client.python
const scripts = new URL('./python/', import.meta.url).pathname

const STEPS = [
  'server live, ready and metadata',
  'model ready and metadata, versioned and not',
  "infer with binary data (the client's default) in and out",
  'infer with JSON data in and out, requested output, request id, pinned version',
  'gzip request and response bodies',
  'concurrent async_infer calls each get their own rows',
  "client mistakes are 400 with the server's message; unknown models 404",
]

client.describe('Open Inference Protocol v2: the stock tritonclient[http] against strata server', () => {
  let project: TempProject
  let server: StrataServerProcess

  beforeAll(async () => {
    project = await tempProject('strata-oip-compat-')
    expect((await project.cli('init', '--bare')).code).toBe(0)
    const strata = await openStrata({ cwd: project.dir, env: {} })
    const registry = await strata.registry()
    await registry.registerVersion('linear', { onnx: linearOnnx() })
    await registry.setAlias('linear', 'champion', 1)
    await strata.close()
    server = await startStrataServer(project.dir, {}, ['--model', 'models:/linear@champion'])
  })
  afterAll(async () => {
    await server?.stop()
    await project?.[Symbol.asyncDispose]()
  })

  it('passes every step of compat_triton.py', async () => {
    const result = await runCompatScript(python as string, [join(scripts, 'compat_triton.py')], {
      STRATA_OIP_URL: server.url.replace(/^http:\/\//, ''),
      STRATA_OIP_MODEL: 'linear',
    })
    expectScriptPassed(result, STEPS, server)
  })
})
