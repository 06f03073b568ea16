/**
 * ACK / adjust / resend (`ack` option) over the in-process network: real routers, real sends. Timeouts are short
 * so that the tests are quick, but nothing here waits on time: every wait is on a condition.
 */
import { describe, expect, it } from '@jest/globals'
import { MemoryMetrics, createPeer, type Peer } from '@pokt-p2p/types'
import { InProcessNetwork, waitFor } from '@pokt-p2p/testing'
import { RAINTREE_METRICS, rainTree, type RainTreeInit, type RainTreeRouter } from '../src/index.js'
import { envelope, sortedIdentities } from './helpers.js'

const FAST_ACKS = { initialTimeoutMs: 50, minTimeoutMs: 50, maxTimeoutMs: 200 }

interface Net {
  routers: Array<RainTreeRouter | undefined>
  metrics: MemoryMetrics[]
  delivered: number[]
  net: InProcessNetwork
}

/**
 * N staked nodes on one in-process network. `dead` nodes have no transport (a send to one fails); `silent` nodes
 * take every message and do nothing with it (no ACK, no forwarding: crashed right after receiving); `referenceOnly`
 * nodes speak only the reference protocol.
 */
async function network (n: number, options: { dead?: number[], silent?: number[], referenceOnly?: number[], init?: RainTreeInit } = {}): Promise<Net> {
  const ids = sortedIdentities(n)
  const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
  const net = new InProcessNetwork()
  const metrics = ids.map(() => new MemoryMetrics())
  const delivered = ids.map(() => 0)
  const routers = ids.map((id, i) => {
    if (options.dead?.includes(i) === true) return undefined
    const transport = net.createTransport({ address: id.address, publicKey: id.publicKeyHex })
    if (options.silent?.includes(i) === true) {
      for (const p of ['pokt/raintree/v2.0.0', 'pokt/raintree/v1.0.0']) transport.handle(p, () => { delivered[i]!++ })
      return undefined
    }
    const init: RainTreeInit = { ack: FAST_ACKS, ...options.init, ...(options.referenceOnly?.includes(i) === true ? { streamProtocol: false } : {}) }
    const router = rainTree(init)({ selfAddress: id.address, transport, peers, metrics: metrics[i] })
    router.events.on('message', () => { delivered[i]!++ })
    return router
  })
  await Promise.all(routers.map(async r => { await r?.start() }))
  return { routers, metrics, delivered, net }
}

const total = (metrics: MemoryMetrics[], name: string, label?: string): number =>
  metrics.reduce((s, m) => s + m.value(name, label), 0)

describe('ACK / adjust / resend', () => {
  it('no faults: N − 1 data messages, each ACKed once, no adjust', async () => {
    // exact counts: timeouts far beyond any ACK's delay on a loaded machine (at 50 ms a late ACK meant a resend)
    const { routers, metrics, delivered, net } = await network(27, { init: { ack: { initialTimeoutMs: 60_000, minTimeoutMs: 60_000, maxTimeoutMs: 60_000 } } })
    await routers[0]!.broadcast(envelope('ack no faults'))
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(total(metrics, RAINTREE_METRICS.writes)).toBe(26)
    expect(total(metrics, RAINTREE_METRICS.acks, 'sent')).toBe(26)
    expect(total(metrics, RAINTREE_METRICS.acks, 'received')).toBe(26)
    expect(total(metrics, RAINTREE_METRICS.adjusts)).toBe(0)
    expect(total(metrics, RAINTREE_METRICS.resends)).toBe(0)
    expect(net.stats.messages).toBe(52)
  })

  it('dead nodes, three of them in a row at a range head: every live node gets it exactly once', async () => {
    // with 27 nodes node 0 hands [9, 18) and [18, 27) on: 9, 10 and 11 are the head of a range and its next two
    const dead = [9, 10, 11, 18]
    const { routers, metrics, delivered, net } = await network(27, { dead })
    await routers[0]!.broadcast(envelope('ack dead'))
    await waitFor(() => delivered.filter((d, i) => i !== 0 && !dead.includes(i)).every(d => d === 1), { what: 'every live node' })
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 || dead.includes(i) ? 0 : 1)))
    expect(total(metrics, RAINTREE_METRICS.adjusts)).toBeGreaterThanOrEqual(dead.length)
    expect(total(metrics, RAINTREE_METRICS.sendFailures)).toBeGreaterThanOrEqual(dead.length)
  })

  it('a node that takes the message and never answers (crashed on receipt): resent once, then its range goes on', async () => {
    const silent = [9]
    const { routers, metrics, delivered, net } = await network(27, { silent })
    await routers[0]!.broadcast(envelope('ack silent'))
    await waitFor(() => delivered.every((d, i) => i === 0 || d >= 1), { what: 'every node, the silent one included' })
    await net.idle()
    // the silent node got the original and the resend; everyone else exactly once
    expect(delivered[9]).toBe(2)
    expect(delivered.filter((_, i) => i !== 0 && i !== 9)).toEqual(Array(25).fill(1))
    expect(total(metrics, RAINTREE_METRICS.adjusts)).toBe(1)
    // the resend is counted apart: writes − resends are the first copies (26), and the adjust's sends
    expect(metrics[0]!.value(RAINTREE_METRICS.resends)).toBe(1)
    expect(total(metrics, RAINTREE_METRICS.writes) - total(metrics, RAINTREE_METRICS.resends)).toBe(26)
  })

  it('a peer that speaks only the reference protocol is never waited for, nor taken for dead', async () => {
    const referenceOnly = [3, 9, 18, 20]
    const { routers, metrics, delivered, net } = await network(27, { referenceOnly })
    await routers[0]!.broadcast(envelope('ack mixed'))
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(total(metrics, RAINTREE_METRICS.writes)).toBe(26)
    expect(total(metrics, RAINTREE_METRICS.adjusts)).toBe(0)
    // messages to and from reference nodes go on v1 and are not ACKed; the others are, each once
    const acks = total(metrics, RAINTREE_METRICS.acks, 'sent')
    expect(acks).toBeGreaterThan(0)
    expect(acks).toBeLessThanOrEqual(26 - referenceOnly.length)
    expect(total(metrics, RAINTREE_METRICS.acks, 'received')).toBe(acks)
  })

  it('stopping ends a broadcast that waits for an ACK (with a timeout of a minute): no adjust after the stop', async () => {
    const { routers, metrics, delivered } = await network(27, { silent: [9], init: { ack: { initialTimeoutMs: 60_000, minTimeoutMs: 60_000, maxTimeoutMs: 60_000 } } })
    const broadcast = routers[0]!.broadcast(envelope('ack stop'))
    await waitFor(() => delivered[9]! >= 1, { what: 'the silent node has the message' })
    await routers[0]!.stop()
    await broadcast
    expect(total(metrics, RAINTREE_METRICS.adjusts)).toBe(0)
  })

  it('bad timeouts are refused, naming the field', () => {
    const [id] = sortedIdentities(1)
    const transport = new InProcessNetwork().createTransport({ address: id!.address, publicKey: id!.publicKeyHex })
    const make = (ack: RainTreeInit['ack']): unknown => rainTree({ ack })({ selfAddress: id!.address, transport, peers: [] })
    expect(() => make({ minTimeoutMs: -1 })).toThrow(/invalid ack.minTimeoutMs/)
    expect(() => make({ initialTimeoutMs: Number.NaN })).toThrow(/invalid ack.initialTimeoutMs/)
    expect(() => make({ minTimeoutMs: 500, maxTimeoutMs: 100 })).toThrow(/invalid ack.minTimeoutMs: must not exceed maxTimeoutMs/)
  })
})
