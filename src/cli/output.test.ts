import { describe, expect, it } from 'vitest'
import { type CliStreams, Progress } from './output.js'

function captured(): { streams: CliStreams; err: string[] } {
  const err: string[] = []
  return { streams: { stdout: () => {}, stderr: (t) => err.push(t), isTTY: false }, err }
}

describe('Progress off a terminal', () => {
  it('prints one final line; work that counts nothing shows no count', () => {
    const { streams, err } = captured()
    new Progress('monitor delay-drift', undefined, streams).finish()
    expect(err).toHaveLength(1)
    expect(err[0]).toMatch(/^monitor delay-drift \d+\.\d s\n$/)
  })

  it('shows the count of counted work, and the bar of work with a total', () => {
    const counted = captured()
    const rows = new Progress('reading', undefined, counted.streams)
    rows.tick(3)
    rows.finish()
    expect(counted.err.at(-1)).toMatch(/^reading 3 \d+\.\d s\n$/)
    const total = captured()
    const files = new Progress('storing', 2, total.streams)
    files.tick(2)
    files.finish()
    expect(total.err.at(-1)).toMatch(/^storing \[#{24}\] 100% 2\/2 \d+\.\d s\n$/)
  })
})
