/**
 * Issue 15 item 7: a staked peer that sends a victim the same RainTree message again and again must not make it
 * propagate each copy (each propagation costs the network up to N − 1 messages). The attacker is a staked identity
 * with a bare transport on the in-process network: it writes raw RainTree messages, as a hostile node would.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  MemoryMetrics, RAINTREE_STREAM_PROTOCOL_ID, createPeer, encodeRainTreeMessage, type Identity, type Peer
} from '@pokt-p2p/types'
import { InProcessNetwork, testIdentities, waitFor, type InProcessTransport } from '@pokt-p2p/testing'
import { createNode, memoryMultiaddr, messageTransport, type Libp2p, type Libp2pMessageTransport } from '@pokt-p2p/transport'
import {
  RAINTREE_METRICS, RAINTREE_PROTOCOL_ID, maxNumLevels, planPropagation, rainTree, type RainTreeRouter
} from '../src/index.js'
import { envelope, sortedIdentities } from './helpers.js'

interface Victims {
  net: InProcessNetwork
  routers: RainTreeRouter[]
  metrics: MemoryMetrics[]
  delivered: number[]
  attacker: InProcessTransport
  victim: Peer
}

/** `n` staked nodes: the last is the attacker (a transport, no router), the others run routers; the first is the victim. */
async function network (n: number): Promise<Victims> {
  const ids: Identity[] = sortedIdentities(n)
  const peers = ids.map(id => createPeer(id.publicKey, '127.0.0.1:1'))
  const net = new InProcessNetwork()
  const honest = ids.slice(0, -1)
  const metrics = honest.map(() => new MemoryMetrics())
  const routers = honest.map((id, i) => rainTree({ ack: false })({
    selfAddress: id.address, transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }), peers,
    metrics: metrics[i]
  }))
  const delivered = routers.map(() => 0)
  routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++ }))
  await Promise.all(routers.map(async r => { await r.start() }))
  const bad = ids.at(-1) as Identity
  const attacker = net.createTransport({ address: bad.address, publicKey: bad.publicKeyHex })
  return { net, routers, metrics, delivered, attacker, victim: peers[0]! }
}

const writes = (m: MemoryMetrics): number => m.value(RAINTREE_METRICS.writes)
const total = (ms: MemoryMetrics[]): number => ms.reduce((sum, m) => sum + writes(m), 0)

/** Sends `bytes` to the victim `copies` times, one after another; returns what the victim and the network sent. */
async function replay (v: Victims, protocol: string, bytes: Uint8Array, copies: number): Promise<{ victim: number, network: number }> {
  const before = { victim: writes(v.metrics[0]!), network: total(v.metrics) }
  for (let i = 0; i < copies; i++) {
    await v.attacker.sendTo(v.victim, protocol, bytes)
    await v.net.idle()
  }
  return { victim: writes(v.metrics[0]!) - before.victim, network: total(v.metrics) - before.network }
}

const PROTOCOLS = [['v1', RAINTREE_PROTOCOL_ID], ['v2', RAINTREE_STREAM_PROTOCOL_ID]] as const

describe('a replayed copy costs zero propagation (N = 27, 50 copies of one message)', () => {
  const N = 27
  const kinds: Array<[string, (data: Uint8Array) => Parameters<typeof encodeRainTreeMessage>[0]]> = [
    // reference rules: the level above the maximum, as a hostile sender would pick (clamped: the most sends)
    ['reference', data => ({ level: maxNumLevels(N) + 1, data })],
    // complete rules: the whole view as the range
    ['complete', data => ({ level: maxNumLevels(N), data, rangeSize: N })]
  ]
  for (const [kind, message] of kinds) {
    for (const [name, protocol] of PROTOCOLS) {
      it(`${kind}-mode message on ${name}`, async () => {
        const v = await network(N)
        const bytes = encodeRainTreeMessage(message(envelope(`replay ${kind} ${name}`)))
        const first = await replay(v, protocol, bytes, 1)
        expect(first.victim).toBeGreaterThan(0)
        const again = await replay(v, protocol, bytes, 49)
        // zero propagation from the victim, and so from the network
        expect(again).toEqual({ victim: 0, network: 0 })
        await Promise.all(v.routers.map(async r => { await r.stop() }))
      })
    }
  }

  it('a reference-mode copy at another level is a different copy: propagated once more, as the Go nodes do', async () => {
    const v = await network(N)
    const data = envelope('two levels')
    const top = await replay(v, RAINTREE_PROTOCOL_ID, encodeRainTreeMessage({ level: 3, data }), 1)
    const lower = await replay(v, RAINTREE_PROTOCOL_ID, encodeRainTreeMessage({ level: 2, data }), 1)
    // level 3 propagates at levels 2 and 1, level 2 at level 1 only
    expect(top.victim).toBeGreaterThan(lower.victim)
    expect(lower.victim).toBeGreaterThan(0)
    // and each is a replay afterwards; levels above the maximum are one level (clamped)
    expect(await replay(v, RAINTREE_PROTOCOL_ID, encodeRainTreeMessage({ level: 3, data }), 3)).toEqual({ victim: 0, network: 0 })
    const clamped = await replay(v, RAINTREE_PROTOCOL_ID, encodeRainTreeMessage({ level: 4, data }), 1)
    expect(clamped.victim).toBeGreaterThan(0)
    expect(await replay(v, RAINTREE_PROTOCOL_ID, encodeRainTreeMessage({ level: 1000, data }), 3)).toEqual({ victim: 0, network: 0 })
    await Promise.all(v.routers.map(async r => { await r.stop() }))
  })
})

describe('property: whatever N, level, range and count, copies after the first propagate nothing', () => {
  it('random networks and replays', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 6 }), fc.constantFrom(...PROTOCOLS.map(([, p]) => p)),
      async (n, level, rangeSize, copies, protocol) => {
        const v = await network(n)
        const bytes = encodeRainTreeMessage({ level, data: envelope('property'), rangeSize })
        await replay(v, protocol, bytes, 1)
        const delivered = [...v.delivered]
        expect(await replay(v, protocol, bytes, copies)).toEqual({ victim: 0, network: 0 })
        // complete-mode copies are not delivered again either (reference mode delivers every copy, as Go does)
        if (rangeSize > 0) expect(v.delivered).toEqual(delivered)
        await Promise.all(v.routers.map(async r => { await r.stop() }))
      }), { numRuns: 40 })
  })
})

describe('over real libp2p nodes (memory transport, noise, yamux): 50 copies, both protocols', () => {
  it.each(PROTOCOLS)('reference-mode message on %s: the victim propagates the first copy only', async (_name, protocol) => {
    const N = 9
    const ids = testIdentities(N, { first: 9100, sorted: true })
    const peers = ids.map(id => createPeer(id.publicKey))
    const nodes: Array<{ node: Libp2p, transport: Libp2pMessageTransport }> = []
    const metrics = new MemoryMetrics()
    try {
      for (const identity of ids) {
        const node = await createNode({ identity, transport: 'memory', allowLoopback: true })
        await node.start()
        nodes.push({ node, transport: messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node }) })
      }
      // node 0 is the victim (its metrics are read); the last one is the attacker: a staked node with no router
      const routers = nodes.slice(0, -1).map(({ transport }, i) => rainTree({ mode: 'reference' })({
        selfAddress: ids[i]!.address, transport, peers, ...(i === 0 ? { metrics } : {})
      }))
      await Promise.all(routers.map(async r => { await r.start() }))
      const attacker = nodes.at(-1)!.transport
      const level = maxNumLevels(N) + 1
      const bytes = encodeRainTreeMessage({ level, data: envelope('replay over libp2p') })
      // what one copy makes the victim send (the send to the attacker, which runs no router, fails)
      const planned = planPropagation(N, maxNumLevels(N), { level, rangeSize: 0 }).length
      const sent = (): number => metrics.value(RAINTREE_METRICS.writes) + metrics.value(RAINTREE_METRICS.sendFailures)
      await attacker.sendTo(peers[0]!, protocol, bytes)
      await waitFor(() => sent() === planned, { timeoutMs: 30_000, what: () => `the first copy's ${planned} sends (${sent()})` })
      for (let i = 0; i < 49; i++) await attacker.sendTo(peers[0]!, protocol, bytes)
      // every replay handled: each is counted as a replay on arrival (before the fix none was, and each made
      // `planned` sends more), and delivered like every reference-mode copy
      await waitFor(() => metrics.value(RAINTREE_METRICS.replays) === 49, {
        timeoutMs: 30_000, what: () => `49 replays handled (${metrics.value(RAINTREE_METRICS.replays)}; sends ${sent()})`
      })
      expect(metrics.value(RAINTREE_METRICS.reads)).toBe(50)
      expect(metrics.value(RAINTREE_METRICS.delivered)).toBe(50)
      expect(metrics.value(RAINTREE_METRICS.duplicates)).toBe(0)
      expect(sent()).toBe(planned)
      await Promise.all(routers.map(async r => { await r.stop() }))
    } finally {
      await Promise.all(nodes.map(async ({ node, transport }) => { await transport.close(); await node.stop() }))
    }
  }, 60_000)
})
