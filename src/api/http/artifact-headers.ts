import type { FastifyReply } from 'fastify'

/** The policy of every artifact response: nothing loads, and the document is sandboxed (no script, no same origin). */
export const ARTIFACT_CSP = "default-src 'none'; sandbox"

/** Types a browser only displays (no script, no markup that can load or run anything). */
const PASSIVE = new Set([
  'application/octet-stream',
  'text/plain',
  'text/csv',
  'application/json',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
])

/**
 * Sets the type and safety headers of a response carrying uploaded bytes (run artifacts, model
 * files, the MLflow artifact proxy): `X-Content-Type-Options: nosniff` and a CSP that forbids
 * everything on every one; a type that could run script on the API's origin (HTML, SVG, XML,
 * JavaScript, anything not known to be passive) is sent as `text/plain` and as an attachment,
 * so a page uploaded as an artifact can never act with the API's origin.
 */
export function setArtifactHeaders(reply: FastifyReply, type: string, path: string): void {
  const base = (type.split(';')[0] ?? '').trim().toLowerCase()
  reply.header('x-content-type-options', 'nosniff')
  reply.header('content-security-policy', ARTIFACT_CSP)
  if (PASSIVE.has(base)) {
    reply.type(type)
    return
  }
  reply.type('text/plain; charset=utf-8')
  reply.header('content-disposition', attachment(path))
}

/** Types that can run script or load content when a browser renders them. */
const ACTIVE = /html|svg|xml|javascript|ecmascript/

/**
 * Sets the headers of a download that is always an attachment (MLflow's artifact routes send
 * every file so): the file's own `type` (e.g. `application/pdf`), except that a type that could
 * run script (HTML, SVG, XML, JavaScript) is sent as `text/plain`;
 * `Content-Disposition: attachment` with the file's base name, `X-Content-Type-Options: nosniff`
 * and the sandboxing CSP.
 */
export function setAttachmentHeaders(reply: FastifyReply, type: string, path: string): void {
  reply.header('x-content-type-options', 'nosniff')
  reply.header('content-security-policy', ARTIFACT_CSP)
  const base = (type.split(';')[0] ?? '').trim().toLowerCase()
  reply.type(ACTIVE.test(base) ? 'text/plain; charset=utf-8' : type)
  reply.header('content-disposition', attachment(path))
}

function attachment(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1) || 'artifact'
  return `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
