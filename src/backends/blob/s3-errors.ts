import { isStrataError, StrataError } from '../../core/errors.js'

/** What an S3 call was doing, for error messages. */
export interface S3ErrorContext {
  /** E.g. `get of blob "a/b"`. */
  operation: string
  /** E.g. `s3://bucket/prefix at http://127.0.0.1:9000`. */
  where: string
  bucket: string
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
])
const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'Forbidden',
  'AuthorizationHeaderMalformed',
])
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'TimeoutError',
  'RequestTimeTooSkewed',
])

const CREDENTIALS_HINT =
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or pass credentials in the S3 blob store config'

interface SdkErrorShape {
  name?: unknown
  code?: unknown
  message?: unknown
  errors?: unknown
  cause?: unknown
  $metadata?: { httpStatusCode?: number }
}

/** The system error code (`ECONNREFUSED`) of `err`, its cause or the first of its aggregated errors. */
function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined
  const e = err as SdkErrorShape
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = networkCode(inner, depth + 1)
      if (code !== undefined) return code
    }
  }
  return networkCode(e.cause, depth + 1)
}

/** The S3 error name (`NoSuchKey`) and HTTP status of an SDK error. */
export function s3ErrorFacts(err: unknown): { name: string | undefined; status: number | undefined } {
  if (typeof err !== 'object' || err === null) return { name: undefined, status: undefined }
  const e = err as SdkErrorShape
  return {
    name: typeof e.name === 'string' ? e.name : undefined,
    status: e.$metadata?.httpStatusCode,
  }
}

/** True for "no such key" answers (`NoSuchKey` from GET, a bare 404 `NotFound` from HEAD). */
export function isS3NotFound(err: unknown): boolean {
  const { name, status } = s3ErrorFacts(err)
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')
}

/**
 * Translates an AWS SDK error into a Strata error: network failures and S3 5xx answers
 * become `UNAVAILABLE`; missing or rejected credentials, a missing bucket or region
 * become `FAILED_PRECONDITION` naming the setting to fix; anything else is `INTERNAL`.
 */
export function translateS3Error(err: unknown, context: S3ErrorContext): StrataError {
  if (isStrataError(err)) return err
  const { name, status } = s3ErrorFacts(err)
  const message =
    typeof (err as SdkErrorShape)?.message === 'string' ? String((err as SdkErrorShape).message) : String(err)
  const what = `${context.operation} in ${context.where}`
  const options = { cause: err, details: { where: context.where, s3Error: name, httpStatus: status } }

  const network = networkCode(err)
  if (network !== undefined) {
    return new StrataError(
      'UNAVAILABLE',
      `${what} failed: cannot reach the S3 endpoint (${network}); check that the server is running and the endpoint is right`,
      options,
    )
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new StrataError(
      'FAILED_PRECONDITION',
      `${what} failed: no AWS credentials found; ${CREDENTIALS_HINT}`,
      options,
    )
  }
  if ((name !== undefined && AUTH_NAMES.has(name)) || status === 401 || status === 403) {
    return new StrataError(
      'FAILED_PRECONDITION',
      `${what} failed: the S3 server rejected the credentials (${name ?? status}: ${message}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or the credentials in the config) and that they may access bucket "${context.bucket}"`,
      options,
    )
  }
  if (name === 'NoSuchBucket') {
    return new StrataError(
      'FAILED_PRECONDITION',
      `${what} failed: bucket "${context.bucket}" does not exist; create it or fix the bucket in the s3:// URL`,
      options,
    )
  }
  if (/Region is missing/i.test(message)) {
    return new StrataError(
      'FAILED_PRECONDITION',
      `${what} failed: no AWS region configured; add ?region=<region> to the s3:// URL or set AWS_REGION`,
      options,
    )
  }
  if (name === 'KeyTooLongError') {
    return new StrataError(
      'INVALID_ARGUMENT',
      `${what} failed: the key is longer than S3 allows (1024 bytes with the prefix)`,
      options,
    )
  }
  if ((name !== undefined && RETRYABLE_NAMES.has(name)) || (status !== undefined && status >= 500)) {
    return new StrataError(
      'UNAVAILABLE',
      `${what} failed: the S3 server is unavailable (${name ?? status}: ${message})`,
      options,
    )
  }
  return new StrataError('INTERNAL', `${what} failed: ${name ?? 'error'}: ${message}`, options)
}
