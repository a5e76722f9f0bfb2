// Child process of fs-blob-store.kill.test.ts: puts large streamed objects into an
// FsBlobStore in an endless loop until the parent SIGKILLs it. It runs the real
// FsBlobStore (TypeScript, loaded through jiti). Every object describes itself: a
// 16-byte header ("STRK", seed, total length) followed by seededBytes(seed, length - 16);
// objects under "h/" are also named after their sha256.
// Usage: node fs-blob-kill-child.mjs <root> <base-seed>
import { createJiti } from 'jiti'

const jiti = createJiti(import.meta.url)
const { FsBlobStore } = await jiti.import('../fs-blob-store.ts')
const { seededBytes, sha256 } = await jiti.import('../../../testing/blob-bytes.ts')

const [root, baseSeed = '1'] = process.argv.slice(2)
const store = new FsBlobStore({ root })
const SLOT_KEYS = ['slot-0', 'slot-1', 'nested/a/slot-2', 'nested/a/slot-2/under', 'nested/b%/slot-4']
const CHUNK = 64 * 1024

function object(seed, length) {
  const bytes = new Uint8Array(length)
  const header = new DataView(bytes.buffer)
  bytes.set([0x53, 0x54, 0x52, 0x4b])
  header.setUint32(4, seed, true)
  header.setUint32(8, length, true)
  bytes.set(seededBytes(seed, length - 16), 16)
  return bytes
}

async function* chunks(bytes) {
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK) {
    yield bytes.subarray(offset, offset + CHUNK)
    if ((offset / CHUNK) % 4 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
}

for (let n = 0; ; n++) {
  const seed = (Number(baseSeed) * 100_003 + n) >>> 0
  const bytes = object(seed, 1024 * 1024 + ((seed * 7919) % (5 * 1024 * 1024)))
  const key = n % 3 === 2 ? `h/${sha256(bytes)}` : SLOT_KEYS[seed % SLOT_KEYS.length]
  process.stdout.write(`put-start ${n} ${key}\n`)
  await store.put(key, chunks(bytes))
  process.stdout.write(`put-done ${n} ${key}\n`)
}
