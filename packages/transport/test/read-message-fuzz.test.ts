import { expect, it } from '@jest/globals'
import fc from 'fast-check'
import { streamPair } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { MessageTooLargeError } from '@pokt-p2p/types'
import { fuzzRuns } from '@pokt-p2p/testing'
import { ReadTimeoutError, StreamAbortedError, readMessage } from '../src/index.js'
import { chunk } from './helpers.js'

/**
 * The v1 read path (`readMessage`: one message per stream, read to its end) fuzzed over libp2p's own in-memory stream
 * pair (`@libp2p/utils` `streamPair`, the `AbstractStream` every libp2p muxer's streams build on). fuzz.test.ts
 * runs the same cases between real nodes (noise, yamux, protocol negotiation), at tens of ms an input; this reaches
 * the reader's event handling (chunks, close, reset, deadline) directly, fast enough for `npm run fuzz`'s full count.
 */
const CAP = 4096
/** the deadline of a stalled read: short, so a stall costs little; the other endings get one they never reach */
const STALL_TIMEOUT_MS = 5
const NO_TIMEOUT_MS = 600_000
/**
 * Given to every pair: without it `streamPair` names each connection's address by a counter used as a TCP port,
 * which passes 65535 after 32,768 pairs (an invalid multiaddr)
 */
const PAIR_ADDRESSES = { outboundConnection: { remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/1') }, inboundConnection: { remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/2') } }

it('random payloads, chunking and endings over an in-memory libp2p stream: intact within the cap, else the typed error', async () => {
  const counts = { delivered: 0, tooLarge: 0, timeout: 0, aborted: 0 }
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ minLength: 0, maxLength: 2 * CAP + 100 }),
    fc.array(fc.nat(3 * CAP), { maxLength: 8 }),
    fc.constantFrom('close', 'close', 'close', 'reset', 'stall'),
    async (payload, cuts, ending) => {
      const [outbound, inbound] = await streamPair({ delay: 0, ...PAIR_ADDRESSES })
      const read = readMessage(inbound, { maxBytes: CAP, timeoutMs: ending === 'stall' ? STALL_TIMEOUT_MS : NO_TIMEOUT_MS })
      // settled now, inspected after: a rejection while the writer still writes must not go unhandled
      const outcome = read.then(bytes => ({ bytes }), (error: unknown) => ({ error }))
      for (const piece of chunk(payload, cuts)) {
        if (outbound.writeStatus !== 'writable') break // the reader already reset an oversize stream
        if (!outbound.send(piece)) await outbound.onDrain().catch(() => {})
      }
      if (ending === 'close') await outbound.close().catch(() => {})
      else if (ending === 'reset') outbound.abort(new Error('fuzz reset'))
      const o = await outcome
      outbound.abort(new Error('done'))
      if ('bytes' in o) {
        // only a closed stream within the cap delivers, and then every byte in order
        expect(ending).toBe('close')
        expect(payload.length).toBeLessThanOrEqual(CAP)
        expect(Buffer.from(o.bytes).equals(Buffer.from(payload))).toBe(true)
        counts.delivered++
        return
      }
      const { error } = o
      if (error instanceof MessageTooLargeError) {
        expect(payload.length).toBeGreaterThan(CAP)
        expect(error.size).toBeGreaterThan(CAP)
        expect(error.size).toBeLessThanOrEqual(payload.length)
        counts.tooLarge++
      } else if (error instanceof ReadTimeoutError) {
        expect(ending).toBe('stall')
        counts.timeout++
      } else if (error instanceof StreamAbortedError) {
        // a reset that came before the cap was passed (the data and the reset race in the pair, as on a network)
        expect(ending).toBe('reset')
        counts.aborted++
      } else {
        throw new Error(`unexpected outcome for a ${payload.length}-byte payload ending by ${ending}: ${String(error)}`)
      }
      // within the cap a closed stream always delivers
      expect(ending === 'close' && payload.length <= CAP).toBe(false)
    }), { numRuns: fuzzRuns(300) })
  // every kind of outcome was reached (the property cannot pass by never reaching one)
  expect(Object.entries(counts).filter(([, n]) => n === 0)).toEqual([])
})
