import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { createGunzip } from 'node:zlib'

/**
 * The first line of a JSON Lines file that is not valid JSON, with the parser's reason, or
 * undefined if every non-blank line parses. Used only after DuckDB rejected the file: DuckDB's
 * JSON errors count lines differently from an editor (blank lines and an offset), so the line
 * is found here instead.
 */
export async function firstInvalidJsonLine(
  path: string,
  gzip: boolean,
): Promise<{ line: number; reason: string } | undefined> {
  const file = createReadStream(path)
  const input = gzip ? file.pipe(createGunzip()) : file
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  let line = 0
  try {
    for await (const text of lines) {
      line++
      if (text.trim() === '') continue
      try {
        JSON.parse(text)
      } catch (err) {
        return { line, reason: err instanceof Error ? err.message : String(err) }
      }
    }
    return undefined
  } catch {
    return undefined
  } finally {
    lines.close()
    input.destroy()
    file.destroy()
  }
}
