// Child process of model-registry.sqlite-processes.test.ts: waits for a start signal (a file),
// then registers `count` external versions of the model "shared" in a SQLite metadata database
// with the real ModelRegistry (TypeScript, loaded through jiti) and prints the version numbers
// it got as JSON. Usage: node register-concurrently-child.mjs <db> <go-file> <count> <tag>
import { existsSync } from 'node:fs'
import { createJiti } from 'jiti'

const jiti = createJiti(import.meta.url)
const { openMetadataDatabase } = await jiti.import('../../db/index.ts')
const { ModelRegistry } = await jiti.import('../model-registry.ts')
const { testServiceContext } = await jiti.import('../../../test/support/service-context.ts')

const [db, go, count, tag] = process.argv.slice(2)
const metadata = await openMetadataDatabase({ dialect: 'sqlite', location: db, url: 'sqlite:test' })
const registry = new ModelRegistry(testServiceContext(metadata))
process.stdout.write('ready\n')
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 5))
const versions = []
for (let i = 0; i < Number(count); i++) {
  const v = await registry.registerVersion('shared', { flavor: 'external', source: `s3://b/${tag}/${i}` })
  versions.push(v.version)
}
await metadata.close()
process.stdout.write(`${JSON.stringify(versions)}\n`)
