/**
 * The framed protocols' wire format (unsigned-varint length, then the body) and its decoder, alone and on real
 * streams: random bytes never crash a node, every valid frame is delivered, junk is rejected with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { MessageTooLargeError } from '@pokt-p2p/types'
import { fuzzRuns, waitFor } from '@pokt-p2p/testing'
import {
  encodeFrame, encodeFrameHeader, FrameDecoder, MalformedFrameError, RAINTREE_STREAM_PROTOCOL_ID, StreamAbortedError
} from '../src/index.js'
import { chunk, figures, rawStream, startNodes, stopAll, type TestNode, type TransportFigures } from './helpers.js'

const CAP = 4096

/** How a byte stream of frames ends when read under the cap. */
type End = 'clean' | 'truncated' | 'tooLarge' | 'malformed'

/**
 * The reference reading of a byte stream, written independently of `FrameDecoder`: the frames it holds, and how
 * it ends. The cap is checked from the prefix: a continuation byte at index k promises a length of at least 128^(k+1)
 * (minimal encoding), so it is refused there, before the prefix ends.
 */
function reference (bytes: Uint8Array, cap: number): { frames: Uint8Array[], end: End } {
  const frames: Uint8Array[] = []
  let i = 0
  while (i < bytes.length) {
    let length = 0n
    let k = 0
    for (;;) {
      if (i + k >= bytes.length) return { frames, end: 'truncated' }
      const byte = bytes[i + k]!
      length += BigInt(byte & 0x7f) << BigInt(7 * k)
      if ((byte & 0x80) !== 0) {
        if (128n ** BigInt(k + 1) > BigInt(cap)) return { frames, end: 'tooLarge' }
        k++
        continue
      }
      if (byte === 0 && k > 0) return { frames, end: 'malformed' }
      if (length > BigInt(cap)) return { frames, end: 'tooLarge' }
      break
    }
    const start = i + k + 1
    const end = start + Number(length)
    if (end > bytes.length) return { frames, end: 'truncated' }
    frames.push(bytes.slice(start, end))
    i = end
  }
  return { frames, end: 'clean' }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Byte streams that mix whole frames, junk and over-size prefixes (whole frames most often). */
const byteStreams = fc.array(fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 600 }).map(encodeFrame) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: CAP + 1, max: 2 ** 40 }).map(encodeFrameHeader) },
  { weight: 1, arbitrary: fc.constantFrom(Uint8Array.of(0x80, 0x00), Uint8Array.of(0x85, 0x00, 1), encodeFrame(new Uint8Array(CAP))) }
), { maxLength: 8 }).map(concat)

describe('encodeFrameHeader / FrameDecoder', () => {
  it('encodes the unsigned varint of the length (multiformats test vectors)', () => {
    expect([...encodeFrameHeader(0)]).toEqual([0])
    expect([...encodeFrameHeader(1)]).toEqual([1])
    expect([...encodeFrameHeader(127)]).toEqual([0x7f])
    expect([...encodeFrameHeader(128)]).toEqual([0x80, 0x01])
    expect([...encodeFrameHeader(255)]).toEqual([0xff, 0x01])
    expect([...encodeFrameHeader(300)]).toEqual([0xac, 0x02])
    expect([...encodeFrameHeader(16384)]).toEqual([0x80, 0x80, 0x01])
    expect([...encodeFrameHeader(2 ** 32)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x10])
    expect(() => encodeFrameHeader(-1)).toThrow(RangeError)
  })

  it('decodes what it encodes, whatever the chunking, and matches the reference reading on random bytes', () => {
    fc.assert(fc.property(byteStreams, fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
      const decoder = new FrameDecoder(CAP)
      const frames: Uint8Array[] = []
      let error: unknown
      try {
        for (const piece of chunk(bytes, cuts)) {
          decoder.push(piece)
          for (let f = decoder.next(); f !== undefined; f = decoder.next()) frames.push(f)
        }
      } catch (err) {
        error = err
      }
      const expected = reference(bytes, CAP)
      expect(frames.map(hex)).toEqual(expected.frames.map(hex))
      const end: End | 'crash' = error instanceof MessageTooLargeError
        ? 'tooLarge'
        : error instanceof MalformedFrameError ? 'malformed' : error === undefined ? (decoder.partial ? 'truncated' : 'clean') : 'crash'
      expect(end).toBe(expected.end)
    }), { numRuns: fuzzRuns(500) })
  })

  it('refuses an over-size prefix before it is complete, and keeps nothing after a refusal', () => {
    const decoder = new FrameDecoder(1000)
    decoder.push(Uint8Array.of(0xe9)) // 0x69 + continuation: at least 128, could still be ≤ 1000
    expect(decoder.next()).toBeUndefined()
    decoder.push(Uint8Array.of(0x87)) // a second continuation: at least 128^2 > 1000
    expect(() => decoder.next()).toThrow(MessageTooLargeError)
    decoder.push(new Uint8Array(10))
    expect(decoder.next()).toBeUndefined()
    expect(decoder.partial).toBe(false)
  })
})

describe('random bytes on a raw framed stream', () => {
  let nodes: TestNode[] = []
  let a: TestNode
  let b: TestNode
  type Outcome = { kind: 'message', bytes: Uint8Array, from: string } | { kind: 'error', error: Error }
  const outcomes: Outcome[] = []

  beforeAll(async () => {
    nodes = await startNodes(2, {
      transport: 'memory',
      init: i => i === 1 ? { maxMessageBytes: CAP, onError: error => outcomes.push({ kind: 'error', error }) } : {}
    })
    ;[a, b] = nodes as [TestNode, TestNode]
    b.transport.handle(RAINTREE_STREAM_PROTOCOL_ID, (bytes, from) => { outcomes.push({ kind: 'message', bytes: bytes.slice(), from: from.address }) })
  })
  afterAll(async () => { await stopAll(nodes) })

  it('never a crash: each valid frame is delivered once, in order, and junk is rejected with its reason', async () => {
    const before: TransportFigures = figures(b)
    const expected = { received: 0, rejectedOversize: 0, rejectedOther: 0 }
    await fc.assert(fc.asyncProperty(byteStreams, fc.array(fc.nat(), { maxLength: 6 }), async (bytes, cuts) => {
      expect(outcomes).toEqual([]) // nothing left over from an earlier run
      const stream = await rawStream(a, b, RAINTREE_STREAM_PROTOCOL_ID)
      for (const piece of chunk(bytes, cuts)) {
        if (stream.writeStatus !== 'writable') break // the receiver already reset the stream
        if (!stream.send(piece)) await stream.onDrain().catch(() => {})
      }
      await stream.close().catch(() => {})
      const ref = reference(bytes, CAP)
      const wanted = ref.frames.length + (ref.end === 'clean' ? 0 : 1)
      await waitFor(() => outcomes.length >= wanted, { timeoutMs: 20_000, what: `${wanted} outcomes` })
      const got = outcomes.splice(0, outcomes.length)
      expect(got.slice(0, ref.frames.length)).toEqual(ref.frames.map(f => ({ kind: 'message', bytes: f, from: a.identity.address })))
      expected.received += ref.frames.length
      const last = got[ref.frames.length]
      if (ref.end === 'clean') {
        expect(last).toBeUndefined()
      } else {
        expect(last?.kind).toBe('error')
        const error = (last as { error: Error }).error
        const errorClass = { tooLarge: MessageTooLargeError, malformed: MalformedFrameError, truncated: StreamAbortedError }[ref.end]
        expect(error).toBeInstanceOf(errorClass)
        if (ref.end === 'tooLarge') expected.rejectedOversize++
        else expected.rejectedOther++
      }
      expect(got).toHaveLength(wanted)
    }), { numRuns: 100 })
    const after = figures(b)
    expect({
      received: after.received - before.received,
      rejectedOversize: after.rejectedOversize - before.rejectedOversize,
      rejectedOther: after.rejectedOther - before.rejectedOther
    }).toEqual(expected)
    expect(after.rejectedTimeout).toBe(before.rejectedTimeout)
  })
})
