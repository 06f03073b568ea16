/**
 * Issue 15 item 6: an unstaked outsider published 5,000 valid envelopes at 700/s and all reached the application;
 * 200 invalid ones left its score at 0 and it stayed in the mesh; one envelope re-wrapped 128 ways made 128 gossip
 * ids; a StrictNoSign peer was dropped without a word. Here a real outsider (a libp2p node with gossipsub on the
 * topic, not in the staked set) attacks a real background router on loopback TCP.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { gossipsub, StrictNoSign, type GossipSub } from '@libp2p/gossipsub'
import { captureLogs, fuzzRuns, waitFor } from '@pokt-p2p/testing'
import { createNode, messageTransport, serviceUrlToMultiaddr } from '@pokt-p2p/transport'
import { createAny, createPeer, encodeBackgroundMessage, encodePocketEnvelope, InvalidConfigError, MemoryMetrics, testIdentity } from '@pokt-p2p/types'
import {
  background, backgroundGossipsubOptions, backgroundServices, BACKGROUND_TOPIC, contentMessageId, type BackgroundRouter
} from '../src/index.js'
import { DecayingPenalties, TokenBuckets } from '../src/gossip/rate-limit.js'
import { canonicalBackgroundMessage, isCanonicalBackgroundMessage } from '../src/services.js'
import { bytesField, concat, varintField } from './dht-wire.js'
import { envelope, makeRouter, startNode, stopNode, TEST_INIT, type TestNode } from './helpers.js'
import type { Libp2p } from '@libp2p/interface'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const INIT = { ...TEST_INIT, unstakedPublishRate: 10, unstakedPublishBurst: 20 }
const GRAYLIST = -80 // gossipsub's default graylistThreshold, kept

/** gossipsub's class: its factory's interface lacks the mesh and score getters */
type Gossip = GossipSub & { getMeshPeers: (topic: string) => string[], getScore: (peerId: string) => number }
const pubsubOf = (node: Libp2p): Gossip => node.services.pubsub as Gossip

/** A started victim router (staked set: itself) and an outsider with the background gossipsub, connected and meshed. */
async function attackSetup (seed: number): Promise<{ victim: TestNode, router: BackgroundRouter, outsider: TestNode, outsiderId: string, delivered: Set<string> }> {
  const victim = await startNode(seed, INIT)
  cleanup.push(async () => { await stopNode(victim) })
  const router = makeRouter(victim, [victim.peer], INIT)
  cleanup.push(async () => { await router.stop() })
  await router.start()
  const outsider = await startNode(seed + 1, INIT)
  cleanup.push(async () => { await stopNode(outsider) })
  const outsiderId = outsider.node.peerId.toString()
  const delivered = new Set<string>()
  router.events.on('message', m => { if (m.from === outsider.peer.address) delivered.add(Buffer.from(m.data).toString('hex')) })
  pubsubOf(outsider.node).subscribe(BACKGROUND_TOPIC)
  await outsider.node.dial(await serviceUrlToMultiaddr(victim.peer.serviceUrl))
  const victimMesh = (): string[] => pubsubOf(victim.node).getMeshPeers(BACKGROUND_TOPIC)
  await waitFor(() => victimMesh().includes(outsiderId) && pubsubOf(outsider.node).getMeshPeers(BACKGROUND_TOPIC).length > 0,
    { timeoutMs: 20_000, what: () => `the outsider in the victim's mesh (${victimMesh().length})` })
  return { victim, router, outsider, outsiderId, delivered }
}

describe('gossip spam from an unstaked outsider', () => {
  it('valid envelopes beyond its publish rate are not delivered, and it is pruned and graylisted', async () => {
    const { victim, outsider, outsiderId, delivered } = await attackSetup(7201)
    const t0 = performance.now()
    const sent = 300
    for (let i = 0; i < sent; i++) await pubsubOf(outsider.node).publish(BACKGROUND_TOPIC, encodeBackgroundMessage(envelope(`spam ${i}`)))
    const score = (): number => pubsubOf(victim.node).getScore(outsiderId)
    await waitFor(() => score() < GRAYLIST && !pubsubOf(victim.node).getMeshPeers(BACKGROUND_TOPIC).includes(outsiderId),
      { timeoutMs: 20_000, what: () => `the outsider pruned and graylisted (score ${score()})` })
    const seconds = (performance.now() - t0) / 1000
    const limited = victim.metrics.value('pokt_background_rate_limited_total')
    console.log(`outsider: ${sent} sent, ${delivered.size} delivered, ${limited} rate-limited in ${seconds.toFixed(1)} s; score ${score().toFixed(0)}`)
    // its share: the burst plus the rate over the whole time it had (a bound that only grows on a slow machine)
    expect(delivered.size).toBeGreaterThanOrEqual(1)
    expect(delivered.size).toBeLessThanOrEqual(INIT.unstakedPublishBurst + Math.ceil(INIT.unstakedPublishRate * seconds))
    expect(limited).toBeGreaterThan(0)
  }, 40_000)

  it('invalid envelopes lower its score until it is pruned and graylisted', async () => {
    const { victim, outsider, outsiderId, delivered } = await attackSetup(7211)
    for (let i = 0; i < 200; i++) {
      await pubsubOf(outsider.node).publish(BACKGROUND_TOPIC, encodeBackgroundMessage(Uint8Array.from([0x0a, 0x01, i & 0xff])))
    }
    const score = (): number => pubsubOf(victim.node).getScore(outsiderId)
    await waitFor(() => score() < GRAYLIST && !pubsubOf(victim.node).getMeshPeers(BACKGROUND_TOPIC).includes(outsiderId),
      { timeoutMs: 20_000, what: () => `the outsider pruned and graylisted (score ${score()}, dropped ${victim.metrics.value('pokt_background_dropped_total')})` })
    expect(delivered.size).toBe(0)
  }, 40_000)

  it('a staked publisher is not rate-limited', async () => {
    const victim = await startNode(7221, INIT)
    cleanup.push(async () => { await stopNode(victim) })
    const staked = await startNode(7222, INIT)
    cleanup.push(async () => { await stopNode(staked) })
    const peers = [victim.peer, staked.peer]
    const router = makeRouter(victim, peers, INIT)
    const publisher = makeRouter(staked, peers, INIT)
    cleanup.push(async () => { await router.stop() }, async () => { await publisher.stop() })
    await Promise.all([router.start(), publisher.start()])
    await waitFor(() => router.meshPeerCount() >= 1 && publisher.meshPeerCount() >= 1, { timeoutMs: 20_000, what: 'a mesh' })
    let got = 0
    router.events.on('message', () => { got++ })
    for (let i = 0; i < 60; i++) await publisher.broadcast(envelope(`staked ${i}`))
    await waitFor(() => got >= 60, { timeoutMs: 20_000, what: () => `60 messages (have ${got})` })
    expect(victim.metrics.value('pokt_background_rate_limited_total')).toBe(0)
  }, 40_000)

  it('logs why a StrictNoSign peer\'s messages are refused', async () => {
    const logs = captureLogs()
    const identity = testIdentity(7231)
    const metrics = new MemoryMetrics()
    const node = await createNode({ identity, hostname: '127.0.0.1', port: 0, allowLoopback: true, logger: logs.logger, services: backgroundServices(INIT, { metrics }) })
    await node.start()
    const port = node.getMultiaddrs()[0]!.getComponents().find(c => c.name === 'tcp')!.value!
    const victim = { identity, node, metrics, transport: messageTransport()({ node }), peer: createPeer(identity.publicKey, `127.0.0.1:${port}`) }
    cleanup.push(async () => { await stopNode(victim) })
    const router = background(INIT)({ node, transport: victim.transport, peers: [victim.peer], metrics })
    cleanup.push(async () => { await router.stop() })
    await router.start()
    const unsigned = await createNode({
      identity: testIdentity(7232), hostname: '127.0.0.1', port: 0, allowLoopback: true,
      services: { pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, allowPublishToZeroTopicPeers: true }) }
    })
    await unsigned.start()
    cleanup.push(async () => { await unsigned.stop() })
    pubsubOf(unsigned).subscribe(BACKGROUND_TOPIC)
    await unsigned.dial(await serviceUrlToMultiaddr(victim.peer.serviceUrl))
    await waitFor(() => pubsubOf(unsigned).getSubscribers(BACKGROUND_TOPIC).length > 0, { timeoutMs: 20_000, what: 'the victim subscribed, seen by the unsigned peer' })
    const refused = (): string[] => logs.lines.filter(l => l.namespace === 'pokt:background' && l.text.startsWith('refused gossip from')).map(l => l.text)
    for (let i = 0; i < 3; i++) await pubsubOf(unsigned).publish(BACKGROUND_TOPIC, encodeBackgroundMessage(envelope(`unsigned ${i}`)))
    await waitFor(() => refused().length >= 1, { timeoutMs: 20_000, what: 'the refusal logged' })
    expect(refused()[0]).toContain(unsigned.peerId.toString())
    expect(refused()[0]).toContain('StrictSign')
  }, 40_000)
})

describe('message ids', () => {
  const content = fc.record({
    typeUrl: fc.string({ maxLength: 40 }),
    value: fc.uint8Array({ minLength: 1, maxLength: 100 }),
    nonce: fc.bigInt({ min: 1n, max: 2n ** 64n - 2n })
  })

  it('are the same for every re-wrapping of one envelope, and differ between envelopes', () => {
    fc.assert(fc.property(content, content, fc.nat({ max: 0xffff }), (a, b, junk) => {
      const anyOf = (c: typeof a, extra: Uint8Array = new Uint8Array()): Uint8Array =>
        concat([bytesField(1, new TextEncoder().encode(c.typeUrl)), bytesField(2, c.value), extra])
      const env = (c: typeof a, anyExtra?: Uint8Array, envExtra: Uint8Array = new Uint8Array()): Uint8Array =>
        concat([bytesField(1, anyOf(c, anyExtra)), Uint8Array.from([0x10, ...varintOf(c.nonce)]), envExtra])
      const canonical = encodeBackgroundMessage(encodePocketEnvelope(createAny(a.typeUrl, a.value), a.nonce))
      const wrappings = [
        canonical,
        concat([canonical, varintField(15, junk)]), // an unknown field
        concat([varintField(9, junk), canonical]), // … in front
        concat([bytesField(1, Uint8Array.from([junk & 0xff])), canonical]), // a repeated data field: the last wins
        bytesField(1, env(a, varintField(7, junk))), // an unknown field in the Any
        bytesField(1, env(a, undefined, varintField(12, junk))) // an unknown field in the envelope
      ]
      const ids = wrappings.map(w => Buffer.from(contentMessageId(w)).toString('hex'))
      expect(new Set(ids).size).toBe(1)
      const other = encodeBackgroundMessage(encodePocketEnvelope(createAny(b.typeUrl, b.value), b.nonce))
      const same = a.typeUrl === b.typeUrl && a.nonce === b.nonce && Buffer.compare(a.value, b.value) === 0
      expect(Buffer.from(contentMessageId(other)).toString('hex') === ids[0]).toBe(same)
    }), { numRuns: 300 })
  })

  it('take the fast path (the bytes as they are) only for bytes that re-encode to themselves', () => {
    // regression: a 10-byte nonce varint past 64 bits, which decoders wrap
    const overflow = Uint8Array.from([10, 26, 10, 13, 10, 7, 32, 32, 32, 32, 32, 32, 32, 18, 2, 0, 0, 16, 128, 128, 128, 128, 128, 128, 128, 128, 128, 3])
    expect(isCanonicalBackgroundMessage(overflow)).toBe(false)
    const canonical = content.map(c => encodeBackgroundMessage(encodePocketEnvelope(createAny(c.typeUrl, c.value), c.nonce)))
    const mutated = fc.tuple(canonical, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 3 })).map(([bytes, flips]) => {
      const out = Uint8Array.from(bytes)
      for (const [at, v] of flips) out[at % out.length] = v
      return out
    })
    fc.assert(fc.property(fc.oneof(canonical, mutated, fc.uint8Array({ maxLength: 80 })), bytes => {
      // (an invalid message keeps its raw hash on both paths)
      if (isCanonicalBackgroundMessage(bytes)) expect(Buffer.compare(canonicalBackgroundMessage(bytes) ?? bytes, bytes)).toBe(0)
    }), { numRuns: 5000 })
    // and every canonical encoding with a type URL and a value does take it
    fc.assert(fc.property(canonical, bytes => { expect(isCanonicalBackgroundMessage(bytes)).toBe(true) }))
  })

  it('never throw on arbitrary bytes (gossipsub computes them for every message it receives)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), bytes => {
      expect(contentMessageId(bytes)).toHaveLength(32)
    }), { numRuns: fuzzRuns(5000) })
  })

  it("'reference' keeps gossipsub's from ‖ seqno ids; anything else is refused", () => {
    expect(backgroundGossipsubOptions({ messageIdFunction: 'reference' }).msgIdFn).toBeUndefined()
    expect(backgroundGossipsubOptions({}).msgIdFn).toBeDefined()
    expect(() => backgroundGossipsubOptions({ messageIdFunction: 'seqno' as never })).toThrow(InvalidConfigError)
  })
})

function varintOf (n: bigint): number[] {
  const out: number[] = []
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80)
    n >>= 7n
  }
  out.push(Number(n))
  return out
}

describe('TokenBuckets', () => {
  const steps = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), dt: fc.integer({ min: 0, max: 300 }) }), { maxLength: 300 })

  it('never allows a key more than burst + rate × elapsed', () => {
    fc.assert(fc.property(steps, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), (seq, rate, burst) => {
      let now = 0
      const buckets = new TokenBuckets(rate, burst, 10, () => now)
      const first = new Map<string, number>()
      const allowed = new Map<string, number>()
      for (const { key, dt } of seq) {
        now += dt
        if (!first.has(key)) first.set(key, now)
        if (buckets.take(key)) allowed.set(key, (allowed.get(key) ?? 0) + 1)
        expect(allowed.get(key) ?? 0).toBeLessThanOrEqual(burst + rate * (now - first.get(key)!) / 1000 + 1e-9)
      }
    }))
  })

  it('gives a key idle for burst / rate seconds its whole burst, and tracks at most maxKeys keys', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 }), (rate, burst, maxKeys) => {
      let now = 0
      const buckets = new TokenBuckets(rate, burst, maxKeys, () => now)
      for (let i = 0; i < burst * 3; i++) buckets.take('k')
      now += Math.ceil(burst / rate * 1000)
      for (let i = 0; i < burst; i++) expect(buckets.take('k')).toBe(true)
      expect(buckets.take('k')).toBe(false)
      for (let i = 0; i < 10; i++) buckets.take(`other ${i}`)
      expect(buckets.size).toBeLessThanOrEqual(maxKeys)
    }))
  })
})

describe('DecayingPenalties', () => {
  it('halve every half-life and forget the least recently penalised key first', () => {
    let now = 0
    const p = new DecayingPenalties(1000, 2, () => now)
    p.add('a', 8)
    now = 1000
    expect(p.get('a')).toBeCloseTo(4)
    p.add('b')
    p.add('c')
    expect(p.get('a')).toBe(0)
    expect(p.get('c')).toBe(1)
  })
})
