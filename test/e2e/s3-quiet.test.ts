import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tempProject } from '../support/temp-project.js'

const run = promisify(execFile)
const cli = new URL('../../bin/strata.js', import.meta.url).pathname
const s3 = process.env.STRATA_TEST_S3_URL

describe.skipIf(s3 === undefined)('a command on the S3 blob store, as a process', () => {
  it('prints no AWS SDK Node-version notice, and shows it when the user asks for it', async () => {
    await using project = await tempProject()
    expect((await project.cli('init', '--bare')).code).toBe(0)
    const env: NodeJS.ProcessEnv = { ...process.env, STRATA_BLOBS_URL: s3 }
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
    const quiet = await run(process.execPath, [cli, 'doctor'], { cwd: project.dir, env })
    expect(quiet.stdout).toMatch(/blobs\s+ok\s+s3/)
    expect(quiet.stderr).toBe('')

    // The SDK's own switch, set by the user, wins (the notice only exists on Node < 22).
    const asked = await run(process.execPath, [cli, 'doctor'], {
      cwd: project.dir,
      env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' },
    })
    const major = Number(process.versions.node.split('.')[0])
    if (major < 22) expect(asked.stderr).toContain('NodeVersionSupportWarning')
    else expect(asked.stderr).toBe('')
  })
})
