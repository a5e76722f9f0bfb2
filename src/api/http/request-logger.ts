import type { IncomingMessage } from 'node:http'
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type Bindings = Record<string, unknown>
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1]
/** A pino logger (Fastify's, built from the server's `logger` options). */
type PinoLike = FastifyBaseLogger & { isLevelEnabled(level: string): boolean }

/**
 * A request's logger (`request.log`) that makes its pino child — the server's logger bound to
 * the request id (`reqId`) — only when a line is logged at an enabled level. Fastify makes a
 * child per request, which serializes the bindings every time; at the server's default level
 * (`warn`) almost no request logs, so almost none pays for it. Every line that is logged is the
 * child's, with the same bindings, as before.
 */
class RequestLogger {
  #child: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  /** The real child logger, made on first use. */
  get logger(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options)
    return this.#child
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level
  }

  set level(level: string) {
    this.logger.level = level
  }

  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.parent) as PinoLike).isLevelEnabled(level)
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args)
  }
  error(...args: unknown[]): void {
    this.write('error', args)
  }
  warn(...args: unknown[]): void {
    this.write('warn', args)
  }
  info(...args: unknown[]): void {
    this.write('info', args)
  }
  debug(...args: unknown[]): void {
    this.write('debug', args)
  }
  trace(...args: unknown[]): void {
    this.write('trace', args)
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options)
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return
    ;(this.logger[level] as (...a: unknown[]) => void)(...args)
  }
}

/**
 * Fastify's `childLoggerFactory` for {@link RequestLogger}: a route with its own log level
 * (rare) gets its child at once, every other request a lazy one.
 */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
  _req: IncomingMessage,
): FastifyBaseLogger => {
  const pino = logger as Partial<PinoLike>
  if (options?.level !== undefined || typeof pino.isLevelEnabled !== 'function')
    return logger.child(bindings, options)
  return new RequestLogger(logger as PinoLike, bindings, options) as unknown as FastifyBaseLogger
}
