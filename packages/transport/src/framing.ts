import { MessageTooLargeError } from '@pokt-p2p/types'
import { MalformedFrameError } from './errors.js'

/**
 * The wire format of the framed protocols (`pokt/raintree/v2.0.0`, `pokt/background/v2.0.0`): each message is an
 * unsigned varint (multiformats `unsigned-varint`: 7 bits per byte, least significant group first, high bit set
 * on every byte but the last, minimal encoding) holding the body length, then the body.
 */

/** Longest prefix a length up to 2^53 - 1 needs. */
const MAX_PREFIX_BYTES = 8

/** The unsigned-varint prefix of a frame whose body is `length` bytes. */
export function encodeFrameHeader (length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`frame length must be a non-negative safe integer, got ${length}`)
  const out = new Uint8Array(varintLength(length))
  writeVarint(out, length)
  return out
}

/** Writes the unsigned varint of `value` at the start of `out` (which has room for it). */
function writeVarint (out: Uint8Array, value: number): void {
  let v = value
  let i = 0
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80
    v = Math.floor(v / 0x80)
  }
  out[i] = v
}

/** Bytes of the unsigned-varint encoding of `value`. */
function varintLength (value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    n++
  }
  return n
}

/** One frame (prefix and body) as a single buffer (one allocation: the prefix is written in place). */
export function encodeFrame (body: Uint8Array): Uint8Array {
  const length = body.byteLength
  const prefix = varintLength(length)
  const out = new Uint8Array(prefix + length)
  writeVarint(out, length)
  out.set(body, prefix)
  return out
}

/**
 * Splits a byte stream into frames, enforcing the size cap from the length prefix, before any byte of an
 * over-size body is kept. Push chunks as they arrive, then call {@link FrameDecoder.next} until it returns
 * `undefined` (more bytes needed). It holds at most the current frame plus what was pushed after it.
 *
 * A body that arrives whole inside one chunk is returned as a view of that chunk (no copy).
 */
export class FrameDecoder {
  readonly #maxBytes: number
  readonly #chunks: Uint8Array[] = []
  /** offset of the first unread byte in `#chunks[0]` */
  #offset = 0
  /** unread bytes in `#chunks` */
  #buffered = 0
  /** body length of the current frame once its prefix is read, else -1 */
  #length = -1
  /** set once a frame was refused: the stream is unusable from then on */
  #failed = false

  /** @param maxBytes - largest body accepted; a prefix declaring more is a `MessageTooLargeError` */
  constructor (maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Appends received bytes. */
  push (chunk: Uint8Array): void {
    if (chunk.byteLength === 0 || this.#failed) return
    this.#chunks.push(chunk)
    this.#buffered += chunk.byteLength
  }

  /** True while part of a frame (its prefix or body) is buffered: the frame has started but is not complete. */
  get partial (): boolean {
    return this.#buffered > 0 || this.#length >= 0
  }

  /** Bytes buffered and not yet taken as frames (what the decoder holds in memory). */
  get buffered (): number {
    return this.#buffered
  }

  /** Bytes of the current, incomplete frame received so far (prefix included), for error messages. */
  get bytesOfCurrentFrame (): number {
    return this.#buffered + (this.#length >= 0 ? varintLength(this.#length) : 0)
  }

  /**
   * The next complete frame's body, or `undefined` when more bytes are needed.
   *
   * @throws {MessageTooLargeError} the prefix declares more than `maxBytes` (thrown as soon as the prefix shows it,
   * `size` being the declared length or, for a prefix cut short, a lower bound of it)
   * @throws {MalformedFrameError} the prefix is not a minimal unsigned varint
   */
  next (): Uint8Array | undefined {
    if (this.#failed) return undefined
    if (this.#length < 0) {
      const length = this.#readPrefix()
      if (length === undefined) return undefined
      this.#length = length
    }
    const length = this.#length
    if (this.#buffered < length) return undefined
    this.#length = -1
    return this.#take(length)
  }

  /** Parses and consumes the prefix when it is complete; checks the cap on every byte. */
  #readPrefix (): number | undefined {
    let value = 0
    let scale = 1
    let n = 0
    let chunk = 0
    let pos = this.#offset
    while (n < this.#buffered) {
      const c = this.#chunks[chunk]!
      if (pos >= c.byteLength) {
        chunk++
        pos = 0
        continue
      }
      const byte = c[pos++]!
      n++
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) {
        if (byte === 0 && n > 1) this.#fail(new MalformedFrameError('the length prefix is not minimally encoded (a trailing zero byte)'))
        if (value > this.#maxBytes) this.#fail(new MessageTooLargeError(value, this.#maxBytes, 'inbound frame'))
        this.#skip(n)
        return value
      }
      scale *= 0x80
      // minimal encoding: a continuation means the value is at least `scale`
      if (scale > this.#maxBytes) this.#fail(new MessageTooLargeError(Math.max(value, scale), this.#maxBytes, 'inbound frame'))
      if (n >= MAX_PREFIX_BYTES) this.#fail(new MalformedFrameError(`the length prefix is longer than ${MAX_PREFIX_BYTES} bytes`))
    }
    return undefined
  }

  #fail (err: Error): never {
    this.#failed = true
    this.#chunks.length = 0
    this.#buffered = 0
    this.#offset = 0
    throw err
  }

  /** Drops `n` unread bytes. */
  #skip (n: number): void {
    this.#buffered -= n
    while (n > 0) {
      const c = this.#chunks[0]!
      const left = c.byteLength - this.#offset
      if (n < left) {
        this.#offset += n
        return
      }
      n -= left
      this.#chunks.shift()
      this.#offset = 0
    }
  }

  /** Removes and returns the next `n` unread bytes (a view when they lie in one chunk). */
  #take (n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0)
    const first = this.#chunks[0]!
    if (first.byteLength - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n)
      this.#skip(n)
      return out
    }
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const c = this.#chunks[0]!
      const part = Math.min(n - filled, c.byteLength - this.#offset)
      out.set(c.subarray(this.#offset, this.#offset + part), filled)
      filled += part
      this.#skip(part)
    }
    return out
  }
}
