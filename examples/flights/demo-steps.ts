/**
 * Visible progress for the demo: numbered steps with their duration, and a one-line progress
 * indicator that rewrites itself on a terminal and prints sparse lines otherwise.
 */
export class DemoSteps {
  private step = 0
  private stepStart = 0
  private lastLine = 0
  private readonly started = performance.now()
  private readonly tty = process.stdout.isTTY === true

  constructor(private readonly total: number) {}

  /** Starts step `n/total` with a title. */
  begin(title: string): void {
    this.step++
    this.stepStart = performance.now()
    process.stdout.write(`\n[${this.step}/${this.total}] ${title}\n`)
  }

  /** An indented detail line of the current step. */
  info(text: string): void {
    this.clearProgress()
    process.stdout.write(`      ${text}\n`)
  }

  /** A progress update: rewritten in place on a terminal, at most one line per 2 s otherwise. */
  progress(text: string): void {
    const now = performance.now()
    if (this.tty) {
      process.stdout.write(`\r\x1b[2K      ${text}`)
      this.lastLine = now
    } else if (now - this.lastLine > 2000) {
      process.stdout.write(`      ${text}\n`)
      this.lastLine = now
    }
  }

  /** Ends the current step, printing how long it took and an optional summary. */
  end(summary?: string): void {
    this.clearProgress()
    const took = seconds(performance.now() - this.stepStart)
    process.stdout.write(`      ✓ ${summary === undefined ? '' : `${summary} `}(${took})\n`)
  }

  /** Seconds since the demo started. */
  elapsed(): string {
    return seconds(performance.now() - this.started)
  }

  private clearProgress(): void {
    if (this.tty && this.lastLine > 0) {
      process.stdout.write('\r\x1b[2K')
      this.lastLine = 0
    }
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
