import { afterAll, beforeAll, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { MessageTooLargeError } from '@pokt-p2p/types'
import { RAINTREE_PROTOCOL_ID, ReadTimeoutError, StreamAbortedError, memoryMultiaddr, peerIdOf } from '../src/index.js'
import { fuzzRuns, waitFor } from '@pokt-p2p/testing'
import { chunk, figures, startNodes, stopAll, type TestNode, type TransportFigures } from './helpers.js'

const CAP = 4096
/**
 * Inputs of these real-node properties in `npm run fuzz`: each takes tens of ms (a stream, a deadline), so 100,000
 * would take hours. The framed decoder gets the full count in framing.test.ts, and the v1 read path (readMessage)
 * in read-message-fuzz.test.ts, over libp2p's in-memory stream pair; here the same cases cross real nodes.
 */
const REAL_NODE_FUZZ_MAX = 20_000
/** read deadline of the receiver that gets the stalled streams */
const TIMEOUT = 100
let nodes: TestNode[] = []
let a: TestNode
type Outcome = { kind: 'message', bytes: Uint8Array, from: string } | { kind: 'error', error: Error } | { kind: 'none' }

/** A receiver and, in order, every handler call and reported error it had. */
interface Receiver { node: TestNode, outcomes: Outcome[] }
// Streams that end by close or reset go to `b`, whose read deadline (the default, 10 s) only guards against a hang:
// on a loaded machine a chunked message can take longer than TIMEOUT to arrive. Stalled streams go to `bStall`.
let b: Receiver
let bStall: Receiver

beforeAll(async () => {
  const outcomes: Outcome[][] = [[], [], []]
  nodes = await startNodes(3, {
    transport: 'memory',
    init: i => ({
      maxMessageBytes: CAP,
      ...(i === 2 ? { readTimeoutMs: TIMEOUT } : {}),
      onError: error => outcomes[i]!.push({ kind: 'error', error })
    })
  })
  a = nodes[0]!
  ;[b, bStall] = [1, 2].map(i => {
    const node = nodes[i]!
    node.transport.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => { outcomes[i]!.push({ kind: 'message', bytes, from: from.address }) })
    return { node, outcomes: outcomes[i]! }
  }) as [Receiver, Receiver]
})
afterAll(async () => { await stopAll(nodes) })

/** The receiver's next outcome, once there is one (the timeout is a safety net). */
async function nextOutcome (r: Receiver): Promise<Outcome> {
  await waitFor(() => r.outcomes.length > 0, { timeoutMs: 20_000, what: 'an outcome' })
  return r.outcomes.shift()!
}

let markers = 0
/**
 * The outcome of a stream `a` just reset: `none` when it never reached the handler (a reset before protocol
 * negotiation). Proven without waiting for silence: a marker message sent afterwards on a new stream of the same
 * connection arrives after whatever the reset stream produced.
 */
async function outcomeOfReset (r: Receiver): Promise<Outcome> {
  const marker = new TextEncoder().encode(`marker ${++markers}`)
  const isMarker = (o: Outcome): boolean => o.kind === 'message' && Buffer.from(o.bytes).equals(Buffer.from(marker))
  await a.transport.sendTo(r.node.peer, RAINTREE_PROTOCOL_ID, marker)
  await waitFor(() => r.outcomes.some(isMarker), { timeoutMs: 20_000, what: 'the marker after a reset' })
  const before = r.outcomes.splice(0, r.outcomes.findIndex(isMarker) + 1).slice(0, -1)
  expect(before.length).toBeLessThanOrEqual(1)
  return before[0] ?? { kind: 'none' }
}

it('random payloads, sizes and chunking, ending by close, reset or stall: delivered intact or rejected with the typed error', async () => {
  const stats = (): TransportFigures[] => [b, bStall].map(r => figures(r.node))
  const before = stats()
  const expected = { received: 0, rejectedOversize: 0, rejectedTimeout: 0, rejectedOther: 0 }
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ minLength: 0, maxLength: 2 * CAP + 100 }),
    fc.array(fc.nat(3 * CAP), { maxLength: 8 }),
    fc.constantFrom('close', 'close', 'close', 'reset', 'stall'),
    fc.boolean(),
    async (payload, cuts, ending, pauses) => {
      const r = ending === 'stall' ? bStall : b
      expect(r.outcomes).toEqual([]) // nothing left over from an earlier run
      const target = r.node
      const stream = await a.node.dialProtocol(memoryMultiaddr(target.identity.address).encapsulate(`/p2p/${peerIdOf(target.peer).toString()}`), RAINTREE_PROTOCOL_ID)
      for (const piece of chunk(payload, cuts)) {
        if (stream.writeStatus !== 'writable') break // the receiver already reset an oversize stream
        if (!stream.send(piece)) await stream.onDrain().catch(() => {})
        if (pauses) await new Promise(resolve => setTimeout(resolve, 1))
      }
      if (ending === 'close') await stream.close().catch(() => {})
      else if (ending === 'reset') stream.abort(new Error('fuzz reset'))
      let o: Outcome
      if (ending === 'reset') {
        o = await outcomeOfReset(r)
        expected.received++ // the marker
      } else {
        o = await nextOutcome(r)
      }
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
    }), { numRuns: fuzzRuns(120, { maxRuns: REAL_NODE_FUZZ_MAX }) })
  const after = stats()
  const delta = (k: keyof typeof expected): number => after.reduce((n, s, i) => n + s[k] - before[i]![k], 0)
  expect({
    received: delta('received'),
    rejectedOversize: delta('rejectedOversize'),
    rejectedTimeout: delta('rejectedTimeout'),
    rejectedOther: delta('rejectedOther')
  }).toEqual(expected)
})

it('random payloads through sendTo: at most the cap arrives intact, over it MessageTooLargeError before sending', async () => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: CAP + 64 }), async (payload) => {
    if (payload.length > CAP) {
      await expect(a.transport.sendTo(b.node.peer, RAINTREE_PROTOCOL_ID, payload)).rejects.toBeInstanceOf(MessageTooLargeError)
      return
    }
    expect(b.outcomes).toEqual([])
    await a.transport.sendTo(b.node.peer, RAINTREE_PROTOCOL_ID, payload)
    expect(await nextOutcome(b)).toEqual({ kind: 'message', bytes: payload, from: a.identity.address })
  }), { numRuns: fuzzRuns(100, { maxRuns: REAL_NODE_FUZZ_MAX }) })
})
