/**
 * One HTTP/1.1 exchange over a raw socket, for tests and probes that need what a normal client
 * will not send: any method, any `Host`, chunked bodies of chosen size, bodies that trickle in.
 * Reads the status line, headers and up to 64 KiB of body; notes how many body bytes the server
 * took before answering.
 */
import { connect } from 'node:net'

/** What a raw exchange saw. */
export interface RawResponse {
  /** 0 when the connection closed (or timed out) without a status line. */
  status: number
  headers: Record<string, string>
  body: string
  /** Body bytes written before the response (or the close) arrived. */
  sentBeforeAnswer: number
}

/** A request to send as written: `head` without the blank line, `body` in chunks. */
export interface RawRequest {
  /** Request line and headers, e.g. `POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2`. */
  head: string
  /**
   * Body pieces, written in order (already framed: use {@link chunked} for chunked bodies); an
   * async iterable may pause between pieces.
   */
  body?: Iterable<Buffer> | AsyncIterable<Buffer>
  /** Leave the head unfinished (no blank line after the headers), as a slow-header client does. */
  incompleteHead?: boolean
  /** Give up after this many ms (default 10 s). */
  timeoutMs?: number
}

/** Frames `pieces` as a chunked body (with the terminating zero chunk). */
export async function* chunked(pieces: Iterable<Buffer> | AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const p of pieces)
    yield Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')])
  yield Buffer.from('0\r\n\r\n')
}

/** The first 64 KiB of a response body, de-chunked when it is chunked. */
function bodyText(raw: Buffer, isChunked: boolean): string {
  if (!isChunked) return raw.subarray(0, 65536).toString('utf8')
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = raw.indexOf('\r\n', at)
    const size = eol < 0 ? 0 : Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16)
    if (!(size > 0)) break
    parts.push(raw.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts).subarray(0, 65536).toString('utf8')
}

/** Sends `req` to `url`'s host and port and reads the answer. */
export function rawRequest(url: string, req: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((done) => {
    const socket = connect(Number(port), hostname)
    let received = Buffer.alloc(0)
    let sent = 0
    let sentBeforeAnswer: number | undefined
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const text = received.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const [statusLine = '', ...lines] = (end < 0 ? text : text.slice(0, end)).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const i = line.indexOf(':')
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      done({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: end < 0 ? '' : bodyText(received.subarray(end + 4), headers['transfer-encoding'] === 'chunked'),
        sentBeforeAnswer: sentBeforeAnswer ?? sent,
      })
    }
    const timer = setTimeout(finish, req.timeoutMs ?? 10_000)
    socket.on('data', (d: Buffer) => {
      sentBeforeAnswer ??= sent
      received = Buffer.concat([received, d])
      const text = received.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1]
      if (length !== undefined && received.length >= end + 4 + Number(length)) finish()
      if (/\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, end)) && text.endsWith('0\r\n\r\n')) finish()
    })
    socket.on('error', () => {}) // EPIPE when the server answers early and closes; 'close' follows
    socket.on('close', () => finish())
    socket.on('connect', async () => {
      socket.write(req.incompleteHead === true ? `${req.head}\r\n` : `${req.head}\r\n\r\n`)
      for await (const piece of req.body ?? []) {
        if (socket.destroyed || sentBeforeAnswer !== undefined) break
        sent += piece.length
        if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r))
      }
    })
  })
}
