import { StrataError } from '../../core/errors.js'

/** Sizes of a {@link GearChunker}, in bytes. */
export interface GearChunkerConfig {
  /** No cut before this many bytes. */
  minSize: number
  /** Target average; must be a power of two. */
  avgSize: number
  /** A cut is forced here. */
  maxSize: number
}

/** 256 KiB / 1 MiB / 4 MiB: the sizes measured in `bench/data-commit.bench.ts`. */
export const DEFAULT_CHUNKER_CONFIG: Readonly<GearChunkerConfig> = {
  minSize: 256 * 1024,
  avgSize: 1024 * 1024,
  maxSize: 4 * 1024 * 1024,
}

/**
 * The gear table: 256 pseudo-random 32-bit values from a fixed xorshift32 seed. It defines
 * where files are cut, so changing it only costs deduplication against older chunks.
 */
const GEAR = (() => {
  const table = new Int32Array(256)
  let s = 0x9e3779b9 | 0
  for (let i = 0; i < 256; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    table[i] = s
  }
  return table
})()
const GEAR_SHIFTED = GEAR.map((g) => g << 1)

/** The gear tables, for a worker thread that runs {@link gearCut}. */
export function gearTables(): { gear: Int32Array; gearShifted: Int32Array } {
  return { gear: GEAR.slice(), gearShifted: GEAR_SHIFTED.slice() }
}

/**
 * The cut-point search of {@link GearChunker.findCut} as a self-contained function (it uses
 * nothing outside its parameters), so worker threads run the very same code from its source.
 */
export function gearCut(
  buf: Uint8Array,
  start: number,
  end: number,
  minSize: number,
  avgSize: number,
  maxSize: number,
  maskS: number,
  maskL: number,
  gear: Int32Array,
  gearShifted: Int32Array,
): number {
  let n = end - start
  if (n <= minSize) return end
  if (n > maxSize) n = maxSize
  const normalEnd = start + Math.min(n, avgSize)
  const limit = start + n
  const maskSs = maskS << 1
  const maskLs = maskL << 1
  let fp = 0
  let i = start + minSize
  for (; i + 1 < normalEnd; i += 2) {
    fp = ((fp << 2) + (gearShifted[buf[i] as number] as number)) | 0
    if ((fp & maskSs) === 0) return i + 1
    fp = (fp + (gear[buf[i + 1] as number] as number)) | 0
    if ((fp & maskS) === 0) return i + 2
  }
  if (i < normalEnd) {
    fp = ((fp << 1) + (gear[buf[i] as number] as number)) | 0
    if ((fp & maskS) === 0) return i + 1
    i++
  }
  for (; i + 1 < limit; i += 2) {
    fp = ((fp << 2) + (gearShifted[buf[i] as number] as number)) | 0
    if ((fp & maskLs) === 0) return i + 1
    fp = (fp + (gear[buf[i + 1] as number] as number)) | 0
    if ((fp & maskL) === 0) return i + 2
  }
  return limit
}

/** `bits` one-bits ending at bit 30, so that shifting the mask left once keeps it inside 32 bits. */
function topMask(bits: number): number {
  return (((1 << bits) - 1) << (31 - bits)) | 0
}

/**
 * A FastCDC-style content-defined chunker (gear rolling hash with normalized chunking).
 * Cut points depend only on the bytes near them, so inserting or appending data moves only
 * the chunks around the edit: the rest hash to the same ids and are not stored again.
 *
 * Before `avgSize` a stricter mask (2 more bits) makes a cut less likely, after it a looser
 * one (2 fewer bits) makes it more likely, which narrows the size distribution (FastCDC's
 * "normalized chunking"). The loop consumes two bytes per round with a pre-shifted table
 * (FastCDC 2020); the hash it tests at every byte equals the one-byte-per-round gear hash.
 *
 * @example
 * const chunker = new GearChunker()
 * for await (const chunk of chunker.split(createReadStream('big.bin'))) store(chunk)
 */
export class GearChunker {
  readonly config: Readonly<GearChunkerConfig>
  private readonly maskS: number
  private readonly maskL: number

  constructor(config: GearChunkerConfig = DEFAULT_CHUNKER_CONFIG) {
    const { minSize, avgSize, maxSize } = config
    const bits = Math.log2(avgSize)
    if (
      !Number.isInteger(bits) ||
      bits < 6 ||
      bits > 26 ||
      !(minSize >= 64 && minSize < avgSize && avgSize < maxSize)
    ) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `chunker sizes min ${minSize} / avg ${avgSize} / max ${maxSize} are invalid; expected 64 ≤ min < avg < max with avg a power of two between 64 B and 64 MiB`,
      )
    }
    this.config = { minSize, avgSize, maxSize }
    this.maskS = topMask(bits + 2)
    this.maskL = topMask(bits - 2)
  }

  /**
   * The end (exclusive) of the chunk starting at `start`, given the bytes `buf[start, end)`.
   * The caller must pass at least `maxSize` bytes unless they are the last bytes of the input.
   */
  findCut(buf: Uint8Array, start: number, end: number): number {
    const { minSize, avgSize, maxSize } = this.config
    return gearCut(buf, start, end, minSize, avgSize, maxSize, this.maskS, this.maskL, GEAR, GEAR_SHIFTED)
  }

  /** The arguments {@link gearCut} takes after `buf, start, end`, for a worker thread. */
  cutParams(): [number, number, number, number, number] {
    const { minSize, avgSize, maxSize } = this.config
    return [minSize, avgSize, maxSize, this.maskS, this.maskL]
  }

  /**
   * Splits a byte stream into chunks. Holds at most about `2 × maxSize` bytes at once; each
   * yielded chunk is a fresh array the caller may keep.
   */
  async *split(source: AsyncIterable<Uint8Array>, initial?: Uint8Array): AsyncGenerator<Uint8Array> {
    const max = this.config.maxSize
    let buf = new Uint8Array(Math.max(2 * max, initial?.byteLength ?? 0))
    let len = 0
    const append = (bytes: Uint8Array) => {
      if (len + bytes.byteLength > buf.byteLength) {
        const bigger = new Uint8Array(Math.max(buf.byteLength * 2, len + bytes.byteLength))
        bigger.set(buf.subarray(0, len))
        buf = bigger
      }
      buf.set(bytes, len)
      len += bytes.byteLength
    }
    // Cuts every full window, leaving fewer than maxSize bytes at the front of the buffer.
    const drain = function* (this: GearChunker, final: boolean): Generator<Uint8Array> {
      let start = 0
      while (len - start >= max || (final && len > start)) {
        const cut = this.findCut(buf, start, len)
        yield buf.slice(start, cut)
        start = cut
      }
      if (start > 0) {
        buf.copyWithin(0, start, len)
        len -= start
      }
    }
    if (initial !== undefined) append(initial)
    yield* drain.call(this, false)
    for await (const piece of source) {
      let offset = 0
      // Feed large pieces in window-sized slices so the buffer stays bounded.
      while (offset < piece.byteLength) {
        const take = Math.min(piece.byteLength - offset, buf.byteLength - len)
        append(piece.subarray(offset, offset + take))
        offset += take
        yield* drain.call(this, false)
      }
    }
    yield* drain.call(this, true)
  }
}
