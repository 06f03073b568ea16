import { hash } from 'node:crypto'
import type { Any } from '@bufbuild/protobuf/wkt'
import { InvalidConfigError } from './errors.js'

/**
 * The largest de-duplication window accepted anywhere (`max_nonces`): 2^24 messages. A JS `Set` cannot hold more
 * than 2^24 entries (it throws "Set maximum size exceeded" once full, which in a listener crashes the process), and a
 * {@link MessageDeduper} of this window already takes 2 × 64 MiB; so larger values are refused at parse time.
 */
export const MAX_DEDUP_WINDOW = 2 ** 24

/** Bits of filter per remembered message, before rounding the filter up to a power of two (so 32 to 64). */
const MIN_BITS_PER_ENTRY = 32

/**
 * A pair of bloom filters that rotate by count: each generation takes `window` insertions, then the older filter is
 * cleared and becomes the current one. So the last `window` insertions are always remembered (no false negatives),
 * up to `2 × window` may be, and nothing older. An attacker cannot saturate it: a generation never holds more than
 * `window` keys, which bounds the false-positive rate (see {@link falsePositiveRate}).
 *
 * Keys are 32-byte cryptographic digests (e.g. SHA-256): their first 8 bytes seed enhanced double hashing, so no
 * further hashing is done here. Each filter has `2^⌈log2(32·window)⌉` bits (32–64 bits per key) and
 * `k = round(ln 2 · bits / window)` probes.
 */
export class RotatingBloomFilter {
  /** how many insertions a generation takes; the last `window` insertions are always remembered */
  readonly window: number
  /** bits in each of the two filters (a power of two) */
  readonly bitsPerFilter: number
  /** probes per key */
  readonly hashes: number
  readonly #mask: number
  #current: Uint32Array
  #previous: Uint32Array
  #count = 0

  /**
   * @param window - insertions per generation, in [1, {@link MAX_DEDUP_WINDOW}]
   * @throws {InvalidConfigError} outside that range
   */
  constructor (window: number) {
    if (!Number.isSafeInteger(window) || window < 1 || window > MAX_DEDUP_WINDOW) {
      throw new InvalidConfigError('maxNonces', `must be an integer in [1, ${MAX_DEDUP_WINDOW}], got ${window}`)
    }
    this.window = window
    // at least 64 bits so that the 32-bit words below are never empty
    this.bitsPerFilter = Math.max(64, 2 ** Math.ceil(Math.log2(window * MIN_BITS_PER_ENTRY)))
    this.hashes = Math.max(1, Math.round(Math.LN2 * this.bitsPerFilter / window))
    this.#mask = this.bitsPerFilter - 1
    this.#current = new Uint32Array(this.bitsPerFilter / 32)
    this.#previous = new Uint32Array(this.bitsPerFilter / 32)
  }

  /** Bytes held by both filters. */
  get byteLength (): number {
    return this.#current.byteLength + this.#previous.byteLength
  }

  /**
   * The false-positive rate of {@link has} with both generations full, the worst case:
   * `1 − (1 − p)²` with `p = (1 − e^(−k·window/bits))^k` for each filter.
   */
  falsePositiveRate (): number {
    const p = (1 - Math.exp(-this.hashes * this.window / this.bitsPerFilter)) ** this.hashes
    return 1 - (1 - p) ** 2
  }

  /** Whether `key` (≥ 8 bytes, uniformly random such as a digest) is probably remembered; never false for one of the last `window` insertions. */
  has (key: Uint8Array): boolean {
    return this.#probe(this.#current, key, false) || this.#probe(this.#previous, key, false)
  }

  /** Remembers `key`, rotating the generations when the current one is full. */
  add (key: Uint8Array): void {
    if (this.#count === this.window) {
      const cleared = this.#previous
      cleared.fill(0)
      this.#previous = this.#current
      this.#current = cleared
      this.#count = 0
    }
    this.#probe(this.#current, key, true)
    this.#count++
  }

  /** Forgets everything. */
  clear (): void {
    this.#current.fill(0)
    this.#previous.fill(0)
    this.#count = 0
  }

  // Enhanced double hashing (Dillinger & Manolios): probe i is x_i with x += y, y += i; the key's first 8 bytes seed x, y.
  #probe (words: Uint32Array, key: Uint8Array, set: boolean): boolean {
    let x = (key[0]! | key[1]! << 8 | key[2]! << 16 | key[3]! << 24) >>> 0
    let y = (key[4]! | key[5]! << 8 | key[6]! << 16 | key[7]! << 24) >>> 0
    for (let i = 0; i < this.hashes; i++) {
      const bit = x & this.#mask
      const word = bit >>> 5
      const flag = 1 << (bit & 31)
      if (set) words[word] = (words[word]! | flag) >>> 0
      else if ((words[word]! & flag) === 0) return false
      x = (x + y) >>> 0
      y = (y + i) >>> 0
    }
    return true
  }
}

/**
 * The de-duplication key of a message: SHA-256 of its nonce (8 bytes, big-endian) and its content (type URL,
 * length-prefixed, then value). Keyed on content as well as the nonce, so a forged message that reuses a seen
 * nonce with other content is a different message (it cannot shadow the honest one), while an exact replay is
 * the same key.
 */
export function messageKey (nonce: bigint, content: Any): Uint8Array {
  // one buffer and the one-shot hash: ~40 % cheaper than three updates of a createHash
  const typeUrlLength = Buffer.byteLength(content.typeUrl, 'utf8')
  const input = Buffer.allocUnsafe(12 + typeUrlLength + content.value.length)
  input.writeBigUInt64BE(BigInt.asUintN(64, nonce), 0)
  input.writeUInt32BE(typeUrlLength, 8)
  input.write(content.typeUrl, 12, 'utf8')
  input.set(content.value, 12 + typeUrlLength)
  return hash('sha256', input, 'buffer')
}

/**
 * What the P2P module uses to deliver each message once: remembers (at least) the last `window` distinct messages
 * by {@link messageKey} in a {@link RotatingBloomFilter}: 8 MiB for the default 1,000,000, false-positive rate
 * 2e-7 with both generations full (see {@link RotatingBloomFilter.falsePositiveRate}). A false positive drops a message at this node
 * only; the routers' redundancy still carries it to the others. Synchronous, so "check and insert" cannot
 * interleave with another message.
 *
 * Routers that track their own bookkeeping by nonce keep using the exact {@link NonceDeduper}.
 */
export class MessageDeduper {
  readonly #filter: RotatingBloomFilter

  /**
   * @param window - how many recent distinct messages are always remembered, in [1, {@link MAX_DEDUP_WINDOW}]
   * @throws {InvalidConfigError} outside that range
   */
  constructor (window: number) {
    this.#filter = new RotatingBloomFilter(window)
  }

  /** The underlying filter (its size and false-positive rate). */
  get filter (): RotatingBloomFilter {
    return this.#filter
  }

  /** Records the message if it is new. Returns true when it was new (deliver it), false for a copy already seen. */
  checkAndInsert (nonce: bigint, content: Any): boolean {
    const key = messageKey(nonce, content)
    if (this.#filter.has(key)) return false
    this.#filter.add(key)
    return true
  }
}
