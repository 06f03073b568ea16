/**
 * Invalid gossip is rejected at the first hop. A rogue node runs plain gossipsub (the background options, but no
 * topic validator) and is connected only to A; B is connected only to A. Whatever the rogue publishes, A's validator
 * rejects and counts it, and B never sees it. A valid message from the rogue takes the same path to B.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { BACKGROUND_TOPIC } from '@pokt-p2p/transport'
import { waitFor } from '@pokt-p2p/testing'
import {
  createAny, encodeBackgroundMessage, MessageTooLargeError, toBinary, create, PocketEnvelopeSchema, InvalidNonceError,
  MessageDecodeError, DROP_REASONS, encodePocketEnvelope
} from '@pokt-p2p/types'
import { backgroundGossipsubOptions, GOSSIPSUB_MAX_MESSAGE_BYTES, type BackgroundRouter, type BackgroundEvents } from '../src/index.js'
import { count, envelope, makeRouter, same, startNode, stopNode, TEST_INIT, type TestNode } from './helpers.js'

const INIT = { ...TEST_INIT, maxMessageBytes: 2048 }
let a: TestNode, b: TestNode, rogue: TestNode
let ra: BackgroundRouter, rb: BackgroundRouter
let rogueSub: GossipSub
const seenByB: Uint8Array[] = []
const rejectedAt: { a: Array<BackgroundEvents['drop']>, b: Array<BackgroundEvents['drop']> } = { a: [], b: [] }

function zeroNonceEnvelope (): Uint8Array {
  // encodePocketEnvelope refuses nonce 0, so build it by hand as a buggy or malicious peer would
  return toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content: createAny('type.googleapis.com/test.X'), nonce: 0n }))
}

describe('topic validator', () => {
  beforeAll(async () => {
    a = await startNode(3001, INIT)
    b = await startNode(3002, INIT)
    rogue = await startNode(3003, INIT, { pubsub: gossipsub(backgroundGossipsubOptions(INIT)) })
    rogueSub = (rogue.node.services as { pubsub: GossipSub }).pubsub
    ra = makeRouter(a, [], { ...INIT, minConnections: 0 })
    rb = makeRouter(b, [a.peer], { ...INIT, minConnections: 0 })
    ra.events.on('drop', r => { rejectedAt.a.push(r) })
    rb.events.on('drop', r => { rejectedAt.b.push(r) })
    rb.events.on('message', m => { seenByB.push(m.data) })
    await ra.start()
    await rb.start()
    rogueSub.subscribe(BACKGROUND_TOPIC)
    await rogue.node.dial(a.node.getMultiaddrs())
    await waitFor(() => ra.topicPeerCount() === 2 && rb.meshPeerCount() === 1 && rogueSub.getSubscribers(BACKGROUND_TOPIC).length === 1,
      { timeoutMs: 20_000, what: 'A to see B and the rogue subscribed' })
    expect(b.node.getConnections(rogue.node.peerId)).toHaveLength(0)
  }, 30_000)

  afterAll(async () => {
    await ra.stop()
    await rb.stop()
    await Promise.all([a, b, rogue].map(stopNode))
  }, 30_000)

  it('rejects bad bytes, empty data, a bad envelope, a zero nonce and an oversize message at the first hop', async () => {
    const bad: Array<[string, Uint8Array]> = [
      ['decode', new Uint8Array([0xff, 0xff, 0xff, 0xff])],
      ['empty', encodeBackgroundMessage(new Uint8Array())],
      ['envelope', encodeBackgroundMessage(new Uint8Array([0x0a, 0x05, 0x01]))],
      ['nonce', encodeBackgroundMessage(zeroNonceEnvelope())],
      ['tooLarge', encodeBackgroundMessage(new Uint8Array(4096).fill(7))]
    ]
    for (const [, bytes] of bad) await rogueSub.publish(BACKGROUND_TOPIC, bytes)
    await waitFor(() => count(a, 'dropped') === bad.length, { timeoutMs: 15_000, what: 'A to reject all' })
    expect(rejectedAt.a.map(r => r.reason).sort()).toEqual(bad.map(([reason]) => reason).sort())
    expect(rejectedAt.a.every(r => r.via === 'gossip' && r.from === rogue.peer.address)).toBe(true)
    expect(Object.fromEntries(DROP_REASONS.map(r => [r, count(a, 'dropped', r)])))
      .toEqual({ decode: 1, empty: 1, envelope: 1, nonce: 1, tooLarge: 1, unknownSender: 0, internal: 0 })
    expect(count(a, 'messages', 'delivered')).toBe(0)

    // A valid message from the rogue takes the same path and reaches B. A had rejected every invalid one before it
    // was published, and A forwards to B over one ordered stream, so an invalid message A let through would have
    // reached B (and been delivered, or rejected and counted there) before the valid one: no wait is needed.
    const good = envelope('valid after invalid')
    await rogueSub.publish(BACKGROUND_TOPIC, encodeBackgroundMessage(good))
    await waitFor(() => seenByB.some(d => same(d, good)), { timeoutMs: 15_000, what: 'B to receive the valid message' })
    expect(seenByB).toHaveLength(1)
    expect(count(b, 'dropped')).toBe(0)
    expect(rejectedAt.b).toHaveLength(0)
  }, 30_000)

  it('refuses invalid local broadcasts and sends before they reach the network', async () => {
    const before = count(a, 'messages', 'published')
    await expect(ra.broadcast(new Uint8Array())).rejects.toBeInstanceOf(MessageDecodeError)
    await expect(ra.broadcast(new Uint8Array([0xff, 0xff]))).rejects.toBeInstanceOf(MessageDecodeError)
    await expect(ra.broadcast(zeroNonceEnvelope())).rejects.toBeInstanceOf(InvalidNonceError)
    await expect(ra.broadcast(new Uint8Array(4096))).rejects.toBeInstanceOf(MessageTooLargeError)
    await expect(rb.send(new Uint8Array(4096), a.peer.address)).rejects.toBeInstanceOf(MessageTooLargeError)
    expect(count(a, 'messages', 'published')).toBe(before)
    expect(count(a, 'messages', 'publish_rejected')).toBe(4)
  })

  it('drops invalid unicast messages and counts them', async () => {
    const dropsBefore = count(a, 'dropped')
    await b.transport.sendTo(a.peer, 'pokt/background/v1.0.0', encodeBackgroundMessage(zeroNonceEnvelope()))
    await b.transport.sendTo(a.peer, 'pokt/background/v1.0.0', new Uint8Array([0xff]))
    const unicastDrops = (): number => rejectedAt.a.filter(r => r.via === 'unicast').length
    await waitFor(() => unicastDrops() === 2, { timeoutMs: 15_000, what: 'A to drop both' })
    expect(count(a, 'dropped')).toBe(dropsBefore + 2)
    expect(rejectedAt.a.filter(r => r.via === 'unicast').map(r => [r.reason, r.from])).toEqual([['nonce', b.peer.address], ['decode', b.peer.address]])
    const good = envelope('direct')
    const got = ra.events.once('message', { signal: AbortSignal.timeout(15_000), filter: m => same(m.data, good) })
    await rb.send(good, a.peer.address)
    expect((await got).from).toBe(b.peer.address)
    expect(count(a, 'messages', 'unicast_received')).toBe(1)
  })
})

describe('the largest broadcast gossipsub can carry', () => {
  it('refuses a broadcast whose gossipsub RPC would exceed 4 MiB, within maxMessageBytes, naming why', async () => {
    const node = await startNode(3011, TEST_INIT)
    const router = makeRouter(node, [], { ...TEST_INIT, minConnections: 0 })
    await router.start()
    try {
      // a 4 MiB payload: within the default maxMessageBytes (4 MiB + 64 KiB), beyond what one gossipsub RPC holds
      const big = encodePocketEnvelope(createAny('type.googleapis.com/test.Block', new Uint8Array(4 * 1024 * 1024)), 7n)
      const refused = await router.broadcast(big).then(() => undefined, (err: unknown) => err)
      expect(refused).toBeInstanceOf(MessageTooLargeError)
      expect((refused as MessageTooLargeError).limit).toBe(GOSSIPSUB_MAX_MESSAGE_BYTES)
      expect((refused as Error).message).toMatch(/gossipsub sends no RPC over 4 MiB/)
      // the largest one that fits is published
      const fits = encodePocketEnvelope(createAny('type.googleapis.com/test.Block', new Uint8Array(GOSSIPSUB_MAX_MESSAGE_BYTES - 128)), 8n)
      await router.broadcast(fits)
      expect(count(node, 'messages', 'published')).toBe(1)
    } finally {
      await router.stop()
      await stopNode(node)
    }
  }, 30_000)
})
