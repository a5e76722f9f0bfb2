import { StrataError } from '../../core/errors.js'

/** Where an S3 blob store lives, as parsed from an `s3://` URL (a subset of {@link S3BlobStoreConfig}). */
export interface S3Location {
  bucket: string
  /** Key prefix without leading or trailing `/`; empty for the bucket root. */
  prefix: string
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
}

/** The accepted URL form, quoted in every parse error. */
export const S3_URL_FORM =
  's3://<bucket>[/<prefix>][?endpoint=http(s)://host:port&region=<region>&forcePathStyle=true|false]'

const QUERY_PARAMS = ['endpoint', 'region', 'forcePathStyle'] as const
// S3 bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const REGION = /^[a-z0-9-]+$/

/**
 * Parses `s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&forcePathStyle=true`.
 * Credentials are never part of the URL: they come from the standard AWS provider chain
 * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, SSO, instance roles).
 * Throws `INVALID_ARGUMENT` naming the value and the valid form.
 *
 * @example
 * parseS3Url('s3://my-bucket/strata/blobs?region=eu-west-1')
 * // { bucket: 'my-bucket', prefix: 'strata/blobs', region: 'eu-west-1' }
 */
export function parseS3Url(url: string): S3Location {
  const fail = (problem: string): never => {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `invalid S3 URL ${JSON.stringify(url)}: ${problem}; expected ${S3_URL_FORM}`,
      {
        details: { url, expected: S3_URL_FORM },
      },
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return fail('it is not a URL')
  }
  if (parsed.protocol !== 's3:') fail(`the scheme is "${parsed.protocol}", not "s3:"`)
  if (parsed.username !== '' || parsed.password !== '') {
    fail(
      'credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
    )
  }
  if (parsed.port !== '') fail('a bucket has no port; put the server in ?endpoint=http://host:port')
  const bucket = parsed.hostname
  if (bucket === '') fail('the bucket name is missing')
  if (!BUCKET.test(bucket)) {
    fail(
      `bucket ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 lowercase letters, digits, "." and "-")`,
    )
  }
  if (parsed.hash !== '') fail('a URL fragment ("#…") is not allowed')

  // URL parsing silently resolves "." and ".." segments, so check the path as written.
  const rawPath = url.replace(/^s3:\/\/[^/?#]*/i, '').replace(/[?#].*$/s, '')
  let prefix: string
  try {
    const segments = rawPath.split('/').map((segment) => decodeURIComponent(segment))
    if (segments.some((segment) => segment === '.' || segment === '..')) {
      fail('the prefix has "." or ".." segments')
    }
    prefix = decodeURIComponent(parsed.pathname)
  } catch (err) {
    if (err instanceof URIError) return fail('the prefix is not valid percent-encoding')
    throw err
  }
  prefix = prefix.replace(/^\/+/, '').replace(/\/+$/, '')
  if (prefix.includes('//')) fail(`prefix ${JSON.stringify(prefix)} has an empty segment ("//")`)

  const location: S3Location = { bucket, prefix }
  const seen = new Set<string>()
  for (const [name, value] of parsed.searchParams) {
    if (!(QUERY_PARAMS as readonly string[]).includes(name)) {
      fail(`unknown parameter "${name}" (valid: ${QUERY_PARAMS.join(', ')})`)
    }
    if (seen.has(name)) fail(`parameter "${name}" is given more than once`)
    seen.add(name)
    if (value === '') fail(`parameter "${name}" is empty`)
    if (name === 'endpoint') {
      let endpoint: URL | undefined
      try {
        endpoint = new URL(value)
      } catch {
        endpoint = undefined
      }
      if (endpoint === undefined || (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')) {
        fail(`endpoint ${JSON.stringify(value)} is not an http:// or https:// URL`)
      }
      location.endpoint = value
    } else if (name === 'region') {
      if (!REGION.test(value)) fail(`region ${JSON.stringify(value)} is not a region name like "us-east-1"`)
      location.region = value
    } else {
      if (value !== 'true' && value !== 'false') {
        fail(`forcePathStyle ${JSON.stringify(value)} must be "true" or "false"`)
      }
      location.forcePathStyle = value === 'true'
    }
  }
  return location
}
