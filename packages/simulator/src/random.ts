/**
 * Seeded randomness: a small fast generator for draws made in event order, and a stateless hash for draws that
 * belong to a pair (a link's latency), so that a million nodes' links need no storage at all.
 */

/** splitmix32: a 32-bit mixer, used to spread one seed over a generator's state. */
function splitmix32 (state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0
  let z = state.s
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32): the same seed gives the same sequence, on
 * every platform. Not cryptographic.
 */
export class Random {
  #a: number
  #b: number
  #c: number
  #d: number

  /**
   * @param seed - any 32-bit integer (other numbers are truncated to 32 bits)
   * @param stream - selects an independent sequence for the same seed (e.g. one per purpose)
   */
  constructor (seed: number, stream = 0) {
    const state = { s: (seed ^ Math.imul(stream + 1, 0x6c078965)) | 0 }
    this.#a = splitmix32(state)
    this.#b = splitmix32(state)
    this.#c = splitmix32(state)
    this.#d = splitmix32(state)
    // the first outputs of sfc32 are weakly mixed: discard a few
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32 (): number {
    const a = this.#a
    const b = this.#b
    const c = this.#c
    const d = this.#d
    const t = (((a + b) | 0) + d) | 0
    this.#d = (d + 1) | 0
    this.#a = b ^ (b >>> 9)
    this.#b = (c + (c << 3)) | 0
    this.#c = ((c << 21) | (c >>> 11)) + t | 0
    return t >>> 0
  }

  /** A uniform number in [0, 1) with 32 bits of randomness. */
  next (): number {
    return this.nextUint32() / 4294967296
  }

  /** A uniform integer in [0, n) (n ≤ 2^32), without modulo bias. */
  below (n: number): number {
    if (n <= 1) return 0
    const limit = 4294967296 - (4294967296 % n)
    for (;;) {
      const x = this.nextUint32()
      if (x < limit) return x % n
    }
  }
}

/**
 * A stateless uniform draw in [0, 1) for the triple (seed, a, b): the same triple always gives the same number. Used
 * for per-link values (a link's latency), which then need no per-link storage.
 */
export function hashUniform (seed: number, a: number, b: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1)
  h = Math.imul(h ^ (h >>> 15) ^ a, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f)
  h ^= h >>> 15
  return (h >>> 0) / 4294967296
}

/** A 32-bit hash of (seed, a, b), for deterministic synthetic identifiers. */
export function hash32 (seed: number, a: number, b: number): number {
  return Math.floor(hashUniform(seed, a, b) * 4294967296) >>> 0
}

/**
 * `count` distinct integers drawn uniformly from [0, n) without `exclude`, in draw order (partial Fisher–Yates over
 * a sparse swap table, so it costs O(count), not O(n)).
 */
export function sampleDistinct (random: Random, n: number, count: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const pool = n - countIn(exclude, n)
  if (count > pool) throw new RangeError(`cannot draw ${count} distinct values from ${pool}`)
  const swapped = new Map<number, number>()
  const out: number[] = []
  let size = n
  while (out.length < count) {
    const i = random.below(size)
    const value = swapped.get(i) ?? i
    size--
    swapped.set(i, swapped.get(size) ?? size)
    if (!exclude.has(value)) out.push(value)
  }
  return out
}

function countIn (set: ReadonlySet<number>, n: number): number {
  let k = 0
  for (const v of set) if (Number.isInteger(v) && v >= 0 && v < n) k++
  return k
}
