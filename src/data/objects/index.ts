export { type ChunkManifest, decodeManifest, encodeManifest } from './chunk-manifest.js'
export { DEFAULT_CHUNKER_CONFIG, GearChunker, type GearChunkerConfig } from './gear-chunker.js'
export { Limiter, mapLimit } from './limiter.js'
export {
  BLOB_KINDS,
  type BlobKind,
  blobKeyOf,
  canonicalJson,
  DATA_BLOB_PREFIX,
  isObjectId,
  type ObjectId,
  sha256Hex,
} from './object-id.js'
export { collect, ObjectStore, type ObjectStoreConfig, type VerifyResult } from './object-store.js'
export { ObjectWriter, type ObjectWriterConfig, type StoredObject, type WriteStats } from './object-writer.js'
export { corruptObject, verifiedStream, verifyBytes, verifyLocalFile } from './verified-read.js'
