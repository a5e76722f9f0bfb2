import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { assertBlobKey, canPrefixBlobKey, compareUtf8, isBlobKey } from '../../core/blob-key.js'
import { StrataError } from '../../core/errors.js'
import type { BlobInfo, BlobStore, BlobStoreCapabilities } from '../../ports/index.js'
import { isS3NotFound, translateS3Error } from './s3-errors.js'
import { partsOf } from './s3-parts.js'

/** Options of {@link S3BlobStore}; `parseS3Url` turns an `s3://` URL into most of them. */
/**
 * On Node 20 the AWS SDK prints a 9-line `NodeVersionSupportWarning` on every process that
 * creates a client: its releases after the first week of January 2027 will need Node 22. It is
 * about the SDK's future releases, not this one, which runs on the Node versions Strata supports
 * (`engines`, ≥ 20.19), so Strata turns it off through the SDK's own switch — unless the user
 * set that switch, in which case their choice stands. Documented in README.md (Configuration).
 */
function quietNodeVersionNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
}

export interface S3BlobStoreConfig {
  bucket: string
  /** Key prefix inside the bucket (`strata/blobs`); leading and trailing `/` are ignored. */
  prefix?: string
  /** S3-compatible server (`http://127.0.0.1:9000` for MinIO); AWS when unset. */
  endpoint?: string
  /** Defaults to the AWS chain (`AWS_REGION`, profile); with a custom `endpoint`, to `AWS_REGION` or `us-east-1`. */
  region?: string
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean
  /** Static credentials; when unset the standard AWS provider chain is used (env, profile, SSO, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Size of multipart upload parts in bytes (min 5 MiB, default 8 MiB); bodies up to this size use one PutObject. */
  partSize?: number
}

const MIB = 1024 * 1024
const DEFAULT_PART_SIZE = 8 * MIB
const MIN_PART_SIZE = 5 * MIB

/**
 * A {@link BlobStore} on Amazon S3 or an S3-compatible server (`s3://` URIs).
 *
 * Bodies up to `partSize` go up in one `PutObject`; longer or streamed ones in a multipart
 * upload (parts grow every 1000 parts, so 8 MiB parts reach ~430 GiB) that is aborted on
 * failure, so no partial object is ever visible. Checksums are only computed when S3
 * requires them: the SDK's default "flexible checksums" send streamed bodies with
 * aws-chunked framing, which some S3-compatible servers (s3rver) store verbatim.
 * `list` relies on S3's UTF-8 byte order across pages and sorts within each page (s3rver
 * and S3 Express directory buckets do not sort), failing with `INTERNAL` if pages overlap.
 *
 * @example
 * const blobs = new S3BlobStore({ ...parseS3Url('s3://my-bucket/strata?region=eu-west-1') })
 * await blobs.put('models/churn/1/model.onnx', bytes)
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3'
  readonly capabilities: BlobStoreCapabilities = { localPaths: false }
  readonly bucket: string
  /** The prefix every key is stored under, with its trailing `/` (empty for the bucket root). */
  readonly keyPrefix: string
  readonly #client: S3Client
  readonly #partSize: number
  readonly #where: string
  #closed = false

  constructor(config: S3BlobStoreConfig) {
    if (typeof config.bucket !== 'string' || config.bucket === '') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `S3BlobStore needs a bucket name, got ${JSON.stringify(config.bucket)}`,
      )
    }
    const partSize = config.partSize ?? DEFAULT_PART_SIZE
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `S3BlobStore partSize ${partSize} must be an integer >= ${MIN_PART_SIZE} (5 MiB)`,
      )
    }
    const prefix = (config.prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '')
    this.bucket = config.bucket
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`
    this.#partSize = partSize
    this.#where = `s3://${this.bucket}/${prefix}${config.endpoint === undefined ? '' : ` at ${config.endpoint}`}`

    const clientConfig: S3ClientConfig = {
      // Without these, streamed bodies are sent aws-chunked with trailing checksums, which
      // s3rver (and other S3 look-alikes) store inside the object: silent corruption.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }
    const region =
      config.region ?? (config.endpoint === undefined ? undefined : (process.env.AWS_REGION ?? 'us-east-1'))
    if (region !== undefined) clientConfig.region = region
    if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint
    if (config.forcePathStyle !== undefined) clientConfig.forcePathStyle = config.forcePathStyle
    if (config.credentials !== undefined) clientConfig.credentials = { ...config.credentials }
    quietNodeVersionNotice()
    this.#client = new S3Client(clientConfig)
  }

  async put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    this.#assertOpen()
    assertBlobKey(key)
    const context = this.#context('put', key)
    if (body instanceof Uint8Array && body.byteLength <= this.#partSize) {
      await this.#putObject(key, body).catch((err: unknown) => {
        throw translateS3Error(err, context)
      })
      return { key, size: body.byteLength }
    }
    const iterator = partsOf(body, (partNumber) => this.#partSizeFor(partNumber))[Symbol.asyncIterator]()
    // Errors of the caller's body pass through as they are; only S3 errors are translated.
    const nextPart = () =>
      iterator.next().catch((err: unknown) => {
        throw new BodyError(err)
      })
    let uploadId: string | undefined
    try {
      const first = await nextPart()
      const second = first.done ? first : await nextPart()
      if (second.done) {
        const bytes = first.done ? new Uint8Array(0) : first.value
        await this.#putObject(key, bytes)
        return { key, size: bytes.byteLength }
      }
      const created = await this.#client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }),
      )
      uploadId = created.UploadId
      if (uploadId === undefined)
        throw new StrataError('INTERNAL', `${context.operation}: S3 returned no UploadId`)
      const completed: CompletedPart[] = []
      let size = 0
      let current = first.value
      let lookahead: IteratorResult<Uint8Array> | undefined = second
      for (let partNumber = 1; ; partNumber++) {
        // Upload this part while the next one is read from the body.
        const uploading = this.#uploadPart(uploadId, key, partNumber, current)
        uploading.catch(() => {})
        let following: IteratorResult<Uint8Array>
        try {
          following = lookahead ?? (await nextPart())
        } finally {
          lookahead = undefined
          await uploading.catch(() => {})
        }
        completed.push(await uploading)
        size += current.byteLength
        if (following.done) break
        current = following.value
      }
      this.#assertOpen()
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.keyPrefix + key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
        }),
      )
      uploadId = undefined
      return { key, size }
    } catch (err) {
      await iterator.return?.(undefined).catch(() => {})
      if (uploadId !== undefined) {
        // Best effort: a failed abort leaves invisible parts that a bucket lifecycle rule cleans up.
        await this.#client
          .send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: this.keyPrefix + key,
              UploadId: uploadId,
            }),
          )
          .catch(() => {})
      }
      throw err instanceof BodyError ? err.cause : translateS3Error(err, context)
    }
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    this.#assertOpen()
    assertBlobKey(key)
    const context = this.#context('get', key)
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }),
      )
      const body = out.Body as AsyncIterable<Uint8Array> | undefined
      return body === undefined ? emptyStream() : translatedStream(body, context)
    } catch (err) {
      if (isS3NotFound(err)) {
        throw new StrataError('NOT_FOUND', `blob ${JSON.stringify(key)} does not exist in ${this.#where}`, {
          details: { key, where: this.#where },
        })
      }
      throw translateS3Error(err, context)
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    this.#assertOpen()
    assertBlobKey(key)
    try {
      const out = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }),
      )
      const info: BlobInfo = { key, size: out.ContentLength ?? 0 }
      if (out.LastModified !== undefined) info.modifiedAt = out.LastModified
      return info
    } catch (err) {
      if (isS3NotFound(err)) return undefined
      throw translateS3Error(err, this.#context('stat', key))
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    this.#assertOpen()
    if (!canPrefixBlobKey(prefix)) return
    const context = this.#context('list', prefix)
    let token: string | undefined
    let last: string | undefined
    do {
      let page: BlobInfo[]
      let next: string | undefined
      try {
        const out = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.keyPrefix + prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        )
        page = (out.Contents ?? []).flatMap((object) => this.#infoOf(object))
        next = out.IsTruncated === true ? out.NextContinuationToken : undefined
      } catch (err) {
        throw translateS3Error(err, context)
      }
      page.sort((a, b) => compareUtf8(a.key, b.key))
      const firstKey = page[0]?.key
      if (last !== undefined && firstKey !== undefined && compareUtf8(firstKey, last) <= 0) {
        throw new StrataError(
          'INTERNAL',
          `${context.operation} in ${this.#where}: the server returned key ${JSON.stringify(firstKey)} after ${JSON.stringify(last)}; it does not list in UTF-8 byte order, which this store needs`,
        )
      }
      yield* page
      last = page.at(-1)?.key ?? last
      token = next
    } while (token !== undefined)
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen()
    assertBlobKey(key)
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }))
    } catch (err) {
      if (isS3NotFound(err)) return
      throw translateS3Error(err, this.#context('delete', key))
    }
  }

  /** Always `undefined`: S3 objects have no local path. */
  localPath(key: string): string | undefined {
    assertBlobKey(key)
    return undefined
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#client.destroy()
  }

  #infoOf(object: {
    Key?: string | undefined
    Size?: number | undefined
    LastModified?: Date | undefined
  }): BlobInfo[] {
    if (object.Key === undefined || !object.Key.startsWith(this.keyPrefix)) return []
    const key = object.Key.slice(this.keyPrefix.length)
    // Folder markers ("dir/") and other keys this port could not have written are not blobs.
    if (!isBlobKey(key)) return []
    const info: BlobInfo = { key, size: object.Size ?? 0 }
    if (object.LastModified !== undefined) info.modifiedAt = object.LastModified
    return [info]
  }

  async #putObject(key: string, bytes: Uint8Array): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyPrefix + key,
        Body: bytes,
        ContentLength: bytes.byteLength,
      }),
    )
  }

  async #uploadPart(
    uploadId: string,
    key: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<CompletedPart> {
    const out = await this.#client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.keyPrefix + key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.byteLength,
      }),
    )
    const part: CompletedPart = { PartNumber: partNumber }
    if (out.ETag !== undefined) part.ETag = out.ETag
    return part
  }

  /** S3 allows 10,000 parts; growing the size every 1000 parts lifts the object limit from 80 GiB to ~430 GiB. */
  #partSizeFor(partNumber: number): number {
    return this.#partSize * (1 + Math.floor((partNumber - 1) / 1000))
  }

  #context(operation: string, key: string) {
    const what =
      operation === 'list'
        ? `list of prefix ${JSON.stringify(key)}`
        : `${operation} of blob ${JSON.stringify(key)}`
    return { operation: what, where: this.#where, bucket: this.bucket }
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the S3 blob store ${this.#where} is closed; open a new one`,
      )
  }
}

/** Carries an error thrown by the caller's body iterable through the upload's error handling. */
class BodyError extends Error {
  override readonly cause: unknown
  constructor(cause: unknown) {
    super('body iterable failed')
    this.cause = cause
  }
}

async function* emptyStream(): AsyncIterable<Uint8Array> {}

/** The response body, with a connection lost mid-download reported as `UNAVAILABLE`. */
async function* translatedStream(
  body: AsyncIterable<Uint8Array>,
  context: { operation: string; where: string; bucket: string },
): AsyncIterable<Uint8Array> {
  try {
    yield* body
  } catch (err) {
    throw translateS3Error(err, context)
  }
}
