import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { InvalidConfigError, MAX_DEDUP_WINDOW, MessageDeduper, NonceDeduper, RotatingBloomFilter, createAny, messageKey } from '../src/index.js'

describe('rotating bloom filter', () => {
  it('never forgets one of the last `window` keys (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1200 }), fc.integer(), (window, inserts, seed) => {
      const f = new RotatingBloomFilter(window)
      const keys: Uint8Array[] = []
      for (let i = 0; i < inserts; i++) {
        const key = messageKey(BigInt(i + 1), createAny('t', Uint8Array.of(seed & 0xff, i & 0xff)))
        keys.push(key)
        f.add(key)
      }
      for (const key of keys.slice(-window)) expect(f.has(key)).toBe(true)
    }), { numRuns: 60 })
  })

  it('forgets keys older than two generations', () => {
    const f = new RotatingBloomFilter(100)
    const old = Array.from({ length: 100 }, () => randomBytes(32))
    for (const k of old) f.add(k)
    for (let i = 0; i < 200; i++) f.add(randomBytes(32))
    expect(old.filter(k => f.has(k)).length).toBeLessThan(3)
  })

  it('measured false-positive rate with both generations full stays near the formula', () => {
    const window = 10_000
    const f = new RotatingBloomFilter(window)
    for (let i = 0; i < 2 * window; i++) f.add(randomBytes(32))
    const probes = 200_000
    let fp = 0
    for (let i = 0; i < probes; i++) if (f.has(randomBytes(32))) fp++
    // formula ≈ 1e-8 here: 200,000 probes expect 0; allow a few for luck, a broken filter gives thousands
    expect(f.falsePositiveRate()).toBeLessThan(1e-6)
    expect(fp).toBeLessThanOrEqual(2)
  })

  it('holds 1,000,000 messages in at most 16 MB', () => {
    const f = new RotatingBloomFilter(1_000_000)
    expect(f.byteLength).toBeLessThanOrEqual(16_000_000)
    expect(f.falsePositiveRate()).toBeLessThan(1e-6)
  })

  it('refuses a window below 1 or above 2^24 (a Set cannot hold more)', () => {
    for (const w of [0, -1, 1.5, MAX_DEDUP_WINDOW + 1, Number.NaN]) {
      expect(() => new RotatingBloomFilter(w)).toThrow(InvalidConfigError)
      expect(() => new NonceDeduper(w)).toThrow(InvalidConfigError)
    }
    expect(() => new NonceDeduper(MAX_DEDUP_WINDOW + 1)).toThrow(/16777216/)
  })
})

describe('message deduper', () => {
  it('keys on nonce and content: a replay is a duplicate, a forgery under a seen nonce is not', () => {
    const d = new MessageDeduper(4)
    const honest = createAny('type.googleapis.com/pocket.Tx', Uint8Array.of(1, 2, 3))
    const forged = createAny('type.googleapis.com/pocket.Tx', Uint8Array.of(6, 6, 6))
    expect(d.checkAndInsert(7n, forged)).toBe(true)
    expect(d.checkAndInsert(7n, honest)).toBe(true)
    expect(d.checkAndInsert(7n, honest)).toBe(false)
    expect(d.checkAndInsert(7n, forged)).toBe(false)
  })

  it('the key separates type URL from value and covers the whole nonce', () => {
    const a = messageKey(1n, createAny('ab', Uint8Array.of(99)))
    const b = messageKey(1n, createAny('a', Uint8Array.from(Buffer.from('bc'))))
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(Buffer.from(messageKey(2n ** 64n - 2n, createAny('t'))).equals(Buffer.from(messageKey(2n ** 32n - 2n, createAny('t'))))).toBe(false)
  })

  it('agrees with an exact FIFO model on every copy within the window (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 30n }), fc.integer({ min: 0, max: 2 })), { maxLength: 200 }), (window, msgs) => {
      const d = new MessageDeduper(window)
      const model: string[] = []
      for (const [nonce, v] of msgs) {
        const id = `${nonce}:${v}`
        const isNew = d.checkAndInsert(nonce, createAny('t', Uint8Array.of(v)))
        // within the last `window` distinct messages: always a duplicate (no false negatives)
        if (model.slice(-window).includes(id)) expect(isNew).toBe(false)
        if (isNew) model.push(id)
      }
    }), { numRuns: 200 })
  })
})
