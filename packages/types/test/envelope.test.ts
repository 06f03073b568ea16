import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  DROP_REASONS, InvalidNonceError, MAX_NONCE, MessageDecodeError, MessageDroppedError, PocketEnvelopeSchema,
  PocketP2PError, checkEnvelope, create, createAny, encodePocketEnvelope, toBinary
} from '../src/index.js'

/** Envelope bytes with any nonce, even one `encodePocketEnvelope` refuses to write. */
const rawEnvelope = (nonce: bigint, typeUrl = 'x'): Uint8Array =>
  toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content: createAny(typeUrl), nonce }))

describe('checkEnvelope', () => {
  it('never throws, whatever the bytes, and a refusal is one of empty, envelope, nonce with an Error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), bytes => {
      const check = checkEnvelope(bytes)
      if (check.ok) {
        expect(check.nonce >= 1n && check.nonce <= MAX_NONCE).toBe(true)
      } else {
        expect(['empty', 'envelope', 'nonce']).toContain(check.reason)
        expect(check.error).toBeInstanceOf(Error)
      }
    }), { numRuns: 2000 })
  })

  it('a valid envelope round-trips its nonce and content', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: MAX_NONCE }), fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 200 }),
      (nonce, typeUrl, value) => {
        const check = checkEnvelope(encodePocketEnvelope(createAny(typeUrl, value), nonce))
        expect(check.ok).toBe(true)
        if (!check.ok) return
        expect(check.nonce).toBe(nonce)
        expect(check.content.typeUrl).toBe(typeUrl)
        expect(Buffer.from(check.content.value).equals(Buffer.from(value))).toBe(true)
      }))
  })

  it('an envelope without content yields an empty Any, not undefined', () => {
    const check = checkEnvelope(encodePocketEnvelope(undefined, 7n))
    expect(check.ok && { nonce: check.nonce, typeUrl: check.content.typeUrl, size: check.content.value.length })
      .toEqual({ nonce: 7n, typeUrl: '', size: 0 })
  })

  it('empty: no bytes at all', () => {
    const check = checkEnvelope(new Uint8Array())
    expect(check.ok).toBe(false)
    if (check.ok) return
    expect(check.reason).toBe('empty')
    expect(check.error).toBeInstanceOf(MessageDecodeError)
  })

  it('envelope: bytes that are not a PocketEnvelope (truncated, bad wire type)', () => {
    const valid = encodePocketEnvelope(createAny('type.googleapis.com/x', Uint8Array.of(1, 2, 3)), 5n)
    for (const bytes of [valid.subarray(0, valid.length - 3), Uint8Array.of(0xff), Uint8Array.of(0x0a, 0x05, 0x01)]) {
      const check = checkEnvelope(bytes)
      expect(check.ok ? 'ok' : check.reason).toBe('envelope')
      if (!check.ok) expect(check.error).toBeInstanceOf(MessageDecodeError)
    }
  })

  it('nonce: 0 (absent on the wire) and anything above 2^64-2', () => {
    for (const nonce of [0n, MAX_NONCE + 1n]) {
      const check = checkEnvelope(rawEnvelope(nonce))
      expect(check.ok ? 'ok' : check.reason).toBe('nonce')
      if (!check.ok) {
        expect(check.error).toBeInstanceOf(InvalidNonceError)
        expect((check.error as InvalidNonceError).nonce).toBe(nonce)
      }
    }
    // the bounds themselves are valid
    expect(checkEnvelope(rawEnvelope(1n)).ok).toBe(true)
    expect(checkEnvelope(rawEnvelope(MAX_NONCE)).ok).toBe(true)
  })
})

describe('drop reasons', () => {
  it('one vocabulary, in the order the checks run', () => {
    expect(DROP_REASONS).toEqual(['tooLarge', 'decode', 'empty', 'envelope', 'nonce', 'unknownSender', 'internal'])
  })

  it('MessageDroppedError carries its reason and cause, and is a PocketP2PError', () => {
    const cause = new Error('bad bytes')
    const err = new MessageDroppedError('decode', 'cannot decode RainTreeMessage', { cause })
    expect(err).toBeInstanceOf(PocketP2PError)
    expect(err.name).toBe('MessageDroppedError')
    expect(err.reason).toBe('decode')
    expect(err.cause).toBe(cause)
  })
})
