import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  ConsensusNewHeightEventSchema, InvalidNonceError, MessageDecodeError, PocketEnvelopeSchema, RainTreeMessageSchema,
  StateMachineTransitionEventSchema, anyMessageName, create, createAny, decodeBackgroundMessage, decodeMessage,
  decodePocketEnvelope, decodeRainTreeMessage, encodeBackgroundMessage, encodePocketEnvelope, encodeRainTreeMessage,
  encodeRainTreeControl, GAP_QUERY_LEVEL, rainTreeFrameKind, RainTreeControl,
  fromBinary, toBinary
} from '../src/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('wire format (reference §2 worked example)', () => {
  const envelope = encodePocketEnvelope(createAny('test'), 1n)

  it('PocketEnvelope{content: Any{type_url: "test"}, nonce: 1}', () => {
    expect(hex(envelope)).toBe('0a060a047465737410' + '01')
  })

  it('RainTreeMessage{level: 3, data}', () => {
    expect(hex(encodeRainTreeMessage({ level: 3, data: envelope }))).toBe('0803120a' + hex(envelope))
  })

  it('BackgroundMessage{data}', () => {
    expect(hex(encodeBackgroundMessage(envelope))).toBe('0a0a' + hex(envelope))
  })

  it('proto3 defaults are not on the wire: level 0 and empty data encode to nothing', () => {
    expect(encodeRainTreeMessage({ level: 0, data: new Uint8Array() })).toHaveLength(0)
    expect(decodeRainTreeMessage(new Uint8Array()).data).toHaveLength(0)
  })

  it('the complete-mode range field uses a new number and is skipped by reference decoders', () => {
    const bytes = encodeRainTreeMessage({ level: 2, data: envelope, rangeSize: 7 })
    expect(hex(bytes)).toBe('0802120a' + hex(envelope) + '1807')
    const back = decodeRainTreeMessage(bytes)
    expect(back.level).toBe(2)
    expect(back.rangeSize).toBe(7)
  })

  it('the hand-written RainTreeMessage encoder writes exactly what protobuf-es writes, and refuses non-uint32s', () => {
    const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }))
    fc.assert(fc.property(uint32, fc.uint8Array({ maxLength: 300 }), fc.option(uint32, { nil: undefined }), fc.boolean(), fc.boolean(), (level, data, rangeSize, ackRequested, repair) => {
      const init = { level, data, ackRequested, repair, ...(rangeSize === undefined ? {} : { rangeSize }) }
      expect(hex(encodeRainTreeMessage(init))).toBe(hex(toBinary(RainTreeMessageSchema, create(RainTreeMessageSchema, init))))
    }), { numRuns: 500 })
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => encodeRainTreeMessage({ level: bad, data: envelope })).toThrow(/RainTreeMessage.level must be a uint32/)
      expect(() => encodeRainTreeMessage({ level: 1, data: envelope, rangeSize: bad })).toThrow(/rangeSize must be a uint32/)
    }
  })

  it('control frames: 11 bytes, exactly what protobuf-es writes, decoded back; their kind is read from the first byte', () => {
    const kinds = [
      [RainTreeControl.ACK, 'ack'], [RainTreeControl.IGYW, 'igyw'], [RainTreeControl.HAVE, 'have'], [RainTreeControl.WANT, 'want']
    ] as const
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), fc.constantFrom(...kinds), (nonce, [control, kind]) => {
      const bytes = encodeRainTreeControl(control, nonce)
      expect(bytes).toHaveLength(11)
      expect(hex(bytes)).toBe(hex(toBinary(RainTreeMessageSchema, create(RainTreeMessageSchema, { control, nonce }))))
      const back = decodeRainTreeMessage(bytes)
      expect([back.control, back.nonce, back.data.length, back.level]).toEqual([control, nonce, 0, 0])
      expect(rainTreeFrameKind(bytes)).toBe(kind)
    }), { numRuns: 200 })
    expect(rainTreeFrameKind(encodeRainTreeControl(99 as RainTreeControl, 1n))).toBe('control')
    const repair = encodeRainTreeMessage({ level: 0, data: envelope, rangeSize: 1, ackRequested: true, repair: true })
    expect(rainTreeFrameKind(repair)).toBe('data')
    expect(decodeRainTreeMessage(repair).repair).toBe(true)
    expect(rainTreeFrameKind(encodeRainTreeMessage({ level: 1, data: envelope, rangeSize: 3 }))).toBe('data')
    expect(rainTreeFrameKind(encodeRainTreeMessage({ level: 0, data: envelope }))).toBe('data')
    expect(() => encodeRainTreeControl(RainTreeControl.NONE, 1n)).toThrow(RangeError)
    expect(() => encodeRainTreeControl(RainTreeControl.ACK, 2n ** 64n)).toThrow(RangeError)
  })

  it('a gap query: 13 bytes, its level last, still read as a clean-up query from its first byte', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), nonce => {
      const bytes = encodeRainTreeControl(RainTreeControl.IGYW, nonce, GAP_QUERY_LEVEL)
      expect(bytes).toHaveLength(13)
      const back = decodeRainTreeMessage(bytes)
      expect([back.control, back.nonce, back.level]).toEqual([RainTreeControl.IGYW, nonce, GAP_QUERY_LEVEL])
      expect(rainTreeFrameKind(bytes)).toBe('igyw')
    }), { numRuns: 200 })
  })

  it('a HAVE naming its right neighbour: 33 bytes, `next` last, decoded back; at most 64 bytes of it', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), fc.uint8Array({ minLength: 20, maxLength: 20 }), (nonce, next) => {
      const bytes = encodeRainTreeControl(RainTreeControl.HAVE, nonce, 0, next)
      expect(bytes).toHaveLength(33)
      const back = decodeRainTreeMessage(bytes)
      expect([back.control, back.nonce, back.level, hex(back.next)]).toEqual([RainTreeControl.HAVE, nonce, 0, hex(next)])
      expect(rainTreeFrameKind(bytes)).toBe('have')
    }), { numRuns: 200 })
    expect(encodeRainTreeControl(RainTreeControl.HAVE, 1n, 0, new Uint8Array())).toHaveLength(11)
    expect(() => encodeRainTreeControl(RainTreeControl.HAVE, 1n, 0, new Uint8Array(65))).toThrow(RangeError)
  })

  it('round-trips envelopes, and the nonce is a uint64 bigint', () => {
    const max = (1n << 64n) - 2n
    const env = decodePocketEnvelope(encodePocketEnvelope(createAny('type.googleapis.com/pocket.Foo', Uint8Array.of(1, 2)), max))
    expect(env.nonce).toBe(max)
    expect(env.content?.typeUrl).toBe('type.googleapis.com/pocket.Foo')
    expect(anyMessageName(env.content!)).toBe('pocket.Foo')
    expect(decodeBackgroundMessage(encodeBackgroundMessage(Uint8Array.of(9))).data).toEqual(Uint8Array.of(9))
  })

  it('refuses to encode an invalid nonce', () => {
    expect(() => encodePocketEnvelope(createAny('x'), 0n)).toThrow(InvalidNonceError)
  })

  it('events encode as the reference', () => {
    expect(hex(toBinary(ConsensusNewHeightEventSchema, create(ConsensusNewHeightEventSchema, { height: 1n })))).toBe('0801')
    const sm = create(StateMachineTransitionEventSchema, { event: 'e', previousState: 'a', newState: 'P2P_Bootstrapping' })
    expect(fromBinary(StateMachineTransitionEventSchema, toBinary(StateMachineTransitionEventSchema, sm)).newState).toBe('P2P_Bootstrapping')
  })

  it('garbage gives MessageDecodeError naming the type', () => {
    expect(() => decodePocketEnvelope(Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(MessageDecodeError)
    expect(() => decodeRainTreeMessage(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(/raintree.RainTreeMessage/)
  })

  it('fuzz: random and mutated bytes decode or fail with MessageDecodeError, nothing else', () => {
    const valid = encodeRainTreeMessage({ level: 3, data: envelope, rangeSize: 9 })
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }))
      .map(([i, v]) => { const b = valid.slice(); b[i] = v; return b })
    const input = fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated)
    fc.assert(fc.property(input, bytes => {
      for (const schema of [RainTreeMessageSchema, PocketEnvelopeSchema]) {
        try {
          decodeMessage(schema, bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(MessageDecodeError)
        }
      }
    }), { numRuns: 5000 })
  })
})
