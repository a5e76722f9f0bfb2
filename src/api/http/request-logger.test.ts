import type { IncomingMessage } from 'node:http'
import Fastify from 'fastify'
import { describe, expect, it, vi } from 'vitest'
import { lazyRequestLogger } from './request-logger.js'

function server(level: string) {
  const lines: Record<string, unknown>[] = []
  const logger = Fastify({
    logger: { level, stream: { write: (line: string) => lines.push(JSON.parse(line)) } },
  }).log
  const child = vi.spyOn(logger, 'child')
  const forRequest = () =>
    lazyRequestLogger.call(null as never, logger, { reqId: 'r-1' }, {}, {} as IncomingMessage)
  return { lines, child, forRequest }
}

describe('request loggers', () => {
  it('make no pino child for a request that logs nothing at an enabled level', () => {
    const { lines, child, forRequest } = server('warn')
    const log = forRequest()
    log.info('not at warn')
    log.debug('nor this')
    expect(lines).toEqual([])
    expect(child).not.toHaveBeenCalled()
    expect(log.level).toBe('warn')
  })

  it('log enabled lines through the child, bound to the request id', () => {
    const { lines, child, forRequest } = server('info')
    const log = forRequest()
    log.info({ status: 200 }, 'request')
    log.error('failed')
    expect(child).toHaveBeenCalledTimes(1)
    expect(lines).toMatchObject([
      { reqId: 'r-1', status: 200, msg: 'request', level: 30 },
      { reqId: 'r-1', msg: 'failed', level: 50 },
    ])
  })
})
