import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { strataThrow } from '../../test/support/strata-error.js'
import { MemoryBlobStore } from '../backends/memory/memory-blob-store.js'
import { openMetadataDatabase } from '../db/index.js'
import { commandStep } from './command-step.js'
import { type FileRef, file, fileKey, json } from './file-outputs.js'
import { pipeline } from './pipeline.js'
import { step } from './step.js'

/** Writes the model file (unless mode says not to) and outputs.json. */
const MAKE = `
import { writeFileSync } from 'node:fs'
const [mode, modelPath, outputs] = process.argv.slice(2)
if (mode !== 'no-file') writeFileSync(modelPath, 'weights:' + mode)
const out = { report: { rows: 3 } }
if (mode === 'extra') out.extra = 1
writeFileSync(outputs, JSON.stringify(out))
`

/** Reads the model file it is given, and checks its input JSON names the same path. */
const USE = `
import { readFileSync, writeFileSync } from 'node:fs'
const [modelPath, inputJson, outputs] = process.argv.slice(2)
const input = JSON.parse(readFileSync(inputJson, 'utf8'))
if (input.model.path !== modelPath) throw new Error('input JSON names another path: ' + input.model.path)
const text = readFileSync(modelPath, 'utf8')
writeFileSync(outputs, JSON.stringify({ text, dir: modelPath.startsWith(process.env.STRATA_STEP_DIR) }))
`

describe('command steps: output files', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-command-files-'))
    writeFileSync(join(dir, 'make.mjs'), MAKE)
    writeFileSync(join(dir, 'use.mjs'), USE)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const pipelines = () => {
    const make = commandStep({
      name: 'make',
      command: ['node', 'make.mjs', '{params.mode}', '{outputs.model}', '{outputs}'],
      params: { mode: 'string' },
      outputs: { model: file('model.bin'), report: json() },
      cwd: dir,
    })
    const use = commandStep({
      name: 'use',
      inputs: { m: make },
      command: ['node', 'use.mjs', '{inputs.m.model}', '{inputs.m}', '{outputs}'],
      outputs: { text: 'string', dir: 'boolean' },
      cwd: dir,
    })
    const read = step({
      name: 'read',
      inputs: { m: make },
      run: (_ctx, { m }) => {
        const ref: FileRef = m.model // typed from the contract
        return { text: readFileSync(ref.path as string, 'utf8'), size: ref.size }
      },
    })
    return [pipeline({ name: 'files', params: { mode: 'v1' }, steps: [make, use, read] })]
  }

  it('stores declared files content-addressed and gives them to command and TypeScript steps as files', async () => {
    const md = await openMetadataDatabase({ dialect: 'sqlite', location: ':memory:', url: 'sqlite::memory:' })
    const blobs = new MemoryBlobStore()
    try {
      const { engine, ctx } = await openTestPipelineEngine(md, pipelines(), { blobs })
      const result = await engine.run('files')
      expect(result.run.status, JSON.stringify(result.steps.map((s) => s.error))).toBe('succeeded')
      const sha256 = createHash('sha256').update('weights:v1').digest('hex')
      expect(result.outputs.make).toEqual({
        model: { file: 'model.bin', sha256, size: 10 },
        report: { rows: 3 },
      })
      expect(await blobs.stat(fileKey(sha256))).toBeDefined()
      expect(result.outputs.use).toEqual({ text: 'weights:v1', dir: true })
      expect(result.outputs.read).toEqual({ text: 'weights:v1', size: 10 })
      // lineage: the make step produced the file, the use step read it
      const edges = await ctx.lineage.upstream(`pipeline-step:${result.run.runId}/use`)
      expect(JSON.stringify(edges)).toContain(`pipeline-file:${sha256}`)
    } finally {
      await md.close()
    }
  })

  it('fails naming the step and the file when a declared file is missing, and the field when JSON has an undeclared one', async () => {
    const md = await openMetadataDatabase({ dialect: 'sqlite', location: ':memory:', url: 'sqlite::memory:' })
    try {
      const { engine } = await openTestPipelineEngine(md, pipelines())
      const missing = await engine.run('files', { params: { mode: 'no-file' } })
      const make = missing.steps.find((s) => s.step === 'make')
      expect(make?.status).toBe('failed')
      expect(make?.error).toContain(
        'step "make" (attempt 1): output file "model.bin" (field "model") was not written; write it to {outputs.model}',
      )
      const extra = await engine.run('files', { params: { mode: 'extra' } })
      expect(extra.steps.find((s) => s.step === 'make')?.error).toContain(
        'step "make" (attempt 1): output field "extra" is not in the contract; declared fields are model, report',
      )
    } finally {
      await md.close()
    }
  })

  it('rejects a file path outside the step directory and an unknown file placeholder at declaration', () => {
    expect(strataThrow(() => file('../model.bin')).message).toContain(
      'give a relative path inside the step directory',
    )
    expect(
      strataThrow(() =>
        commandStep({ name: 'x', command: ['node', '{outputs.nope}'], outputs: { model: file('m.bin') } }),
      ).message,
    ).toContain('valid placeholders are {outputs.model}, {outputs}, {dir}')
  })
})
