import { afterAll, beforeAll, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { MessageTooLargeError } from '@pokt-p2p/types'
import { RAINTREE_PROTOCOL_ID, ReadTimeoutError, StreamAbortedError, memoryMultiaddr, peerIdOf } from '../src/index.js'
import { startNodes, stopAll, type TestNode } from './helpers.js'

const CAP = 4096
const TIMEOUT = 100
let nodes: TestNode[] = []
let a: TestNode
let b: TestNode
type Outcome = { kind: 'message', bytes: Uint8Array, from: string } | { kind: 'error', error: Error } | { kind: 'none' }
let waiting: ((o: Outcome) => void) | undefined

beforeAll(async () => {
  nodes = await startNodes(2, { transport: 'memory', init: { maxMessageBytes: CAP, readTimeoutMs: TIMEOUT, onError: error => waiting?.({ kind: 'error', error }) } })
  ;[a, b] = nodes as [TestNode, TestNode]
  b.transport.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => { waiting?.({ kind: 'message', bytes, from: from.address }) })
})
afterAll(async () => { await stopAll(nodes) })

/** The next handler call or reported error; `none` after `quietMs` (a stream reset before negotiation never reaches the handler). */
const nextOutcome = async (quietMs = 10_000): Promise<Outcome> => await new Promise(resolve => {
  const timer = setTimeout(() => { resolve({ kind: 'none' }) }, quietMs)
  waiting = o => { clearTimeout(timer); resolve(o) }
})

/** Splits `bytes` at the given cut points (random chunking). */
function chunk (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((x, y) => x - y)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.subarray(prev, p))
    prev = p
  }
  return out
}

it('random payloads, sizes and chunking, ending by close, reset or stall: delivered intact or rejected with the typed error', async () => {
  const before = { ...b.transport.stats }
  const expected = { received: 0, rejectedOversize: 0, rejectedTimeout: 0, rejectedOther: 0 }
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ minLength: 0, maxLength: 2 * CAP + 100 }),
    fc.array(fc.nat(3 * CAP), { maxLength: 8 }),
    fc.constantFrom('close', 'close', 'close', 'reset', 'stall'),
    fc.boolean(),
    async (payload, cuts, ending, pauses) => {
      const outcome = nextOutcome(ending === 'reset' ? 1000 : 10_000)
      const stream = await a.node.dialProtocol(memoryMultiaddr(b.identity.address).encapsulate(`/p2p/${peerIdOf(b.peer).toString()}`), RAINTREE_PROTOCOL_ID)
      for (const piece of chunk(payload, cuts)) {
        if (stream.writeStatus !== 'writable') break // the receiver already reset an oversize stream
        if (!stream.send(piece)) await stream.onDrain().catch(() => {})
        if (pauses) await new Promise(resolve => setTimeout(resolve, 1))
      }
      if (ending === 'close') await stream.close().catch(() => {})
      else if (ending === 'reset') stream.abort(new Error('fuzz reset'))
      const o = await outcome
      if (payload.length > CAP) {
        // over the cap the stream is rejected as soon as the cap is passed, whatever the ending
        expect(o.kind === 'error' && (o.error instanceof MessageTooLargeError || (ending !== 'close' && o.error instanceof StreamAbortedError) || (ending === 'stall' && o.error instanceof ReadTimeoutError))).toBe(true)
        if (o.kind === 'error' && o.error instanceof MessageTooLargeError) {
          expected.rejectedOversize++
          expect(o.error.size).toBeGreaterThan(CAP)
          expect(o.error.size).toBeLessThanOrEqual(payload.length)
        } else if (o.kind === 'error' && o.error instanceof ReadTimeoutError) expected.rejectedTimeout++
        else expected.rejectedOther++
      } else if (ending === 'close') {
        expect(o).toEqual({ kind: 'message', bytes: payload, from: a.identity.address })
        expected.received++
      } else if (ending === 'reset') {
        if (o.kind === 'none') return // reset before the receiver's handler ran: nothing delivered, nothing counted
        expect(o.kind === 'error' && o.error instanceof StreamAbortedError).toBe(true)
        expected.rejectedOther++
      } else {
        expect(o.kind === 'error' && o.error instanceof ReadTimeoutError).toBe(true)
        expected.rejectedTimeout++
      }
      stream.abort(new Error('done'))
    }), { numRuns: 120 })
  const s = b.transport.stats
  expect({
    received: s.received - before.received,
    rejectedOversize: s.rejectedOversize - before.rejectedOversize,
    rejectedTimeout: s.rejectedTimeout - before.rejectedTimeout,
    rejectedOther: s.rejectedOther - before.rejectedOther
  }).toEqual(expected)
})

it('random payloads through sendTo: at most the cap arrives intact, over it MessageTooLargeError before sending', async () => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: CAP + 64 }), async (payload) => {
    if (payload.length > CAP) {
      await expect(a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, payload)).rejects.toBeInstanceOf(MessageTooLargeError)
      return
    }
    const outcome = nextOutcome()
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, payload)
    expect(await outcome).toEqual({ kind: 'message', bytes: payload, from: a.identity.address })
  }), { numRuns: 100 })
})
