import { createRequire } from 'node:module'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fuzzRuns } from '@pokt-p2p/testing'
import { createAny, encodeBackgroundMessage, encodePocketEnvelope, MAX_NONCE } from '@pokt-p2p/types'
import {
  backgroundDHTOptions, backgroundGossipsubOptions, checkBackgroundMessage, contentMessageId,
  resolveBackgroundInit, unsubscribeBackoffMs, BACKGROUND_TOPIC, DEFAULT_DHT_PROTOCOL
} from '../src/index.js'
import { bootstrapRetryOptions } from '../src/peers/connector.js'

/** The waits p-retry makes for these options: `retry.timeouts` of the `retry` package p-retry runs on. */
const require = createRequire(import.meta.url)
const retry = createRequire(require.resolve('p-retry'))('retry') as { timeouts: (options: object) => number[] }
const retryTimeouts = (options: object): number[] => retry.timeouts(options)

describe('checkBackgroundMessage', () => {
  it('accepts any envelope with a nonce in [1, 2^64-2] and returns its bytes', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: MAX_NONCE }), fc.uint8Array({ maxLength: 64 }), (nonce, value) => {
      const env = encodePocketEnvelope(createAny('type.googleapis.com/x.Y', value), nonce)
      const r = checkBackgroundMessage(encodeBackgroundMessage(env), 1 << 20)
      return r.ok && Buffer.from(r.data).equals(Buffer.from(env)) && r.nonce === nonce && Buffer.from(r.content.value).equals(Buffer.from(value))
    }))
  })

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      const r = checkBackgroundMessage(bytes, 100)
      return r.ok || r.error instanceof Error
    }), { numRuns: fuzzRuns(1000) })
  })

  it('names the reason', () => {
    expect(checkBackgroundMessage(new Uint8Array(11), 10)).toMatchObject({ ok: false, reason: 'tooLarge' })
    expect(checkBackgroundMessage(new Uint8Array([0xff]), 10)).toMatchObject({ ok: false, reason: 'decode' })
    expect(checkBackgroundMessage(new Uint8Array(), 10)).toMatchObject({ ok: false, reason: 'empty' })
    // PocketEnvelope{nonce: 0} encodes to nothing at all
    expect(checkBackgroundMessage(encodeBackgroundMessage(new Uint8Array([0x10, 0x00])), 10)).toMatchObject({ ok: false, reason: 'nonce' })
  })
})

describe('options', () => {
  it('has the documented defaults', () => {
    expect(resolveBackgroundInit()).toMatchObject({
      clientMode: false, dhtProtocol: DEFAULT_DHT_PROTOCOL, heartbeatIntervalMs: 1000, emitSelf: true,
      privateAddresses: false, bootstrapRetries: 5, bootstrapBackoffMs: 500, minConnections: 8
    })
  })

  it('backs off exponentially up to the cap', () => {
    // 7 attempts: 6 waits, read from the library that makes them
    expect(retryTimeouts(bootstrapRetryOptions(resolveBackgroundInit({ bootstrapRetries: 7 })))).toEqual([500, 1000, 2000, 4000, 8000, 8000])
    expect(retryTimeouts(bootstrapRetryOptions(resolveBackgroundInit({ bootstrapRetries: 1 })))).toEqual([])
  })

  it('configures gossipsub and kad-dht as documented', () => {
    const g = backgroundGossipsubOptions({ heartbeatIntervalMs: 200, maxMessageBytes: 1000, ipColocationWhitelist: ['127.0.0.1'] })
    expect(g).toMatchObject({
      allowedTopics: [BACKGROUND_TOPIC], allowPublishToZeroTopicPeers: true, ignoreDuplicatePublishError: true,
      emitSelf: true, heartbeatInterval: 200, maxInboundDataLength: 1000 + 65536, unsubcribeBackoff: 1000
    })
    expect(g.scoreParams?.IPColocationFactorWhitelist).toEqual(new Set(['127.0.0.1']))
    expect(unsubscribeBackoffMs(1000)).toBe(5000)
    const d = backgroundDHTOptions({ clientMode: true })
    expect(d).toMatchObject({ protocol: '/pokt/kad/1.0.0', clientMode: true })
  })

  it('derives message ids from content only', () => {
    const a = contentMessageId(new Uint8Array([1, 2, 3]))
    expect(Buffer.from(a).equals(Buffer.from(contentMessageId(new Uint8Array([1, 2, 3]))))).toBe(true)
    expect(Buffer.from(a).equals(Buffer.from(contentMessageId(new Uint8Array([1, 2, 4]))))).toBe(false)
  })
})
