/**
 * Issue 15, item 1: sockets that never start the handshake must not lock validators out. The attack runs against a
 * real node over loopback TCP: raw sockets from other loopback addresses (127.0.0.2 …), re-opened when closed.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { connect, type Socket } from 'node:net'
import { createPeer } from '@pokt-p2p/types'
import { waitFor } from '@pokt-p2p/testing'
import type { Libp2p } from 'libp2p'
import {
  createNode, inboundGateOf, messageTransport, multiaddrToServiceUrl, RAINTREE_PROTOCOL_ID, ServiceUrlHosts,
  type Libp2pMessageTransport, type NodeInit
} from '../src/index.js'
import { freshIdentity } from './helpers.js'

/** Raw TCP sockets to `port` from `hosts` (`perHost` each) that send nothing, each re-opened when it closes. */
class SilentFlood {
  readonly sockets = new Set<Socket>()
  opened = 0
  closed = 0
  #stopped = false

  constructor (readonly port: number, readonly hosts: string[], readonly perHost: number) {
    for (const host of hosts) for (let i = 0; i < perHost; i++) this.#open(host)
  }

  #open (localAddress: string): void {
    if (this.#stopped) return
    const s = connect({ host: '127.0.0.1', port: this.port, localAddress })
    this.opened++
    this.sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => {
      this.closed++
      this.sockets.delete(s)
      // re-opened at once, as in the issue (on the next turn, so a refusal loop does not recurse)
      setImmediate(() => { this.#open(localAddress) })
    })
  }

  stop (): void {
    this.#stopped = true
    for (const s of this.sockets) s.destroy()
  }
}

const ATTACKERS = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 2}`)

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function startNode (init: Partial<NodeInit> = {}): Promise<{ node: Libp2p, transport: Libp2pMessageTransport }> {
  const identity = freshIdentity()
  const node = await createNode({ identity, hostname: '127.0.0.1', port: 0, ...init })
  await node.start()
  const transport = messageTransport()({ node })
  cleanup.push(async () => { await transport.close(); await node.stop() })
  return { node, transport }
}

function portOf (node: Libp2p): number {
  return Number(multiaddrToServiceUrl(node.getMultiaddrs()[0]!).split(':').pop())
}

describe('inbound gate (issue 15 item 1)', () => {
  it('100 silent sockets from 10 addresses, re-opened when closed: a staked validator still connects and delivers', async () => {
    // the victim reserves capacity for the validator's IP, as the p2p module does for the staked set's service URLs
    const victim = await startNode({ reservedHost: ip => ip === '127.0.0.1' })
    const got: string[] = []
    victim.transport.handle(RAINTREE_PROTOCOL_ID, (_bytes, from) => { got.push(from.address) })
    const gate = inboundGateOf(victim.node)!

    const flood = new SilentFlood(portOf(victim.node), ATTACKERS, 10)
    cleanup.push(() => { flood.stop() })
    // the attack is in place once the attackers hold every pending slot open to them
    await waitFor(() => gate.pending.other === 32, { what: () => `the attackers to fill the pending pool (${gate.pending.other})` })

    const validator = await startNode()
    const victimPeer = createPeer(victim.node.peerId.publicKey!.raw, multiaddrToServiceUrl(victim.node.getMultiaddrs()[0]!))
    await validator.transport.sendTo(victimPeer, RAINTREE_PROTOCOL_ID, new Uint8Array([1, 2, 3]))
    await waitFor(() => got.length === 1, { what: 'the validator\'s message to arrive' })
    expect(got).toEqual([validator.transport.localAddress])
    // the attackers were held to their pool all along, and their refusals and timeouts show the flood was real
    expect(gate.pending.other).toBeLessThanOrEqual(32)
    expect(gate.refused.hostPending + gate.refused.pendingPool + gate.refused.rate).toBeGreaterThan(0)
  })

  it('closes a silent socket from a host without reservation at pendingInboundTimeoutMs, and frees its slot', async () => {
    const victim = await startNode({ pendingInboundTimeoutMs: 200, maxPendingInboundPerHost: 1 })
    const gate = inboundGateOf(victim.node)!
    const closed: string[] = []
    const s = connect({ host: '127.0.0.1', port: portOf(victim.node), localAddress: '127.0.0.2' })
    s.on('error', () => {})
    s.on('close', () => { closed.push('closed') })
    cleanup.push(() => { s.destroy() })
    await waitFor(() => closed.length === 1, { what: 'the victim to close the silent socket' })
    expect(gate.timedOut).toBe(1)
    expect(gate.pending).toEqual({ reserved: 0, other: 0 })
  })

  it('gives each reserved host slots of its own: an attacker on one validator\'s IP holds only that IP\'s', async () => {
    const reserved = new Set(['127.0.0.1', '127.0.0.12'])
    const victim = await startNode({ reservedHost: ip => reserved.has(ip), maxPendingInboundPerReservedHost: 3 })
    const gate = inboundGateOf(victim.node)!
    // silent sockets from a validator's IP (127.0.0.12): reserved slots, no short deadline, so they hold all three
    const flood = new SilentFlood(portOf(victim.node), ['127.0.0.12'], 4)
    cleanup.push(() => { flood.stop() })
    await waitFor(() => gate.pending.reserved === 3 && gate.refused.hostPending > 0, { what: 'the attacker to fill 127.0.0.12\'s slots' })

    // another validator (127.0.0.1) is not affected
    const got: string[] = []
    victim.transport.handle(RAINTREE_PROTOCOL_ID, (_bytes, from) => { got.push(from.address) })
    const validator = await startNode()
    const victimPeer = createPeer(victim.node.peerId.publicKey!.raw, multiaddrToServiceUrl(victim.node.getMultiaddrs()[0]!))
    await validator.transport.sendTo(victimPeer, RAINTREE_PROTOCOL_ID, new Uint8Array([7]))
    await waitFor(() => got.length === 1, { what: 'the other validator\'s message to arrive' })
    expect(gate.pending.reserved).toBeLessThanOrEqual(3)
  })

  it('keeps the last reservedInboundConnections connection slots for reserved hosts', async () => {
    // every dial here comes from 127.0.0.1 (libp2p picks no source address), so the reservation is switched on
    // for the validator's turn: `reservedHost` is read on every new connection
    let validatorsTurn = false
    const victim = await startNode({
      maxInboundConnections: 3, reservedInboundConnections: 1, allowLoopback: false, reservedHost: () => validatorsTurn
    })
    const gate = inboundGateOf(victim.node)!
    const addr = victim.node.getMultiaddrs()[0]!
    // outsiders complete their handshakes (a real node each) until they hold the unreserved slots
    const outsiders = await Promise.all([0, 1, 2].map(async () => await startNode()))
    const results = []
    for (const o of outsiders) results.push(await o.node.dial(addr).then(() => 'ok', () => 'refused'))
    expect(results).toEqual(['ok', 'ok', 'refused'])
    expect(gate.refused.connections).toBe(1)
    // a validator still gets the reserved one
    validatorsTurn = true
    const validator = await startNode()
    await expect(validator.node.dial(addr)).resolves.toBeDefined()
    const inbound = (): string[] => victim.node.getConnections().filter(c => c.direction === 'inbound').map(c => c.remotePeer.toString()).sort()
    await waitFor(() => inbound().length === 3, { what: 'the victim to register the validator\'s connection' })
    expect(inbound()).toEqual([outsiders[0]!, outsiders[1]!, validator].map(n => n.node.peerId.toString()).sort())
  })
})

describe('ServiceUrlHosts', () => {
  it('holds the IPs of literal and named service URLs, as libp2p writes them, and follows a changed list', async () => {
    let urls = ['10.0.0.1:42069', '[0:0:0:0:0:0:0:1]:1', '[::ffff:10.0.0.2]:5', 'validator.example:42069', 'nonsense', 'gone.example:1']
    const hosts = new ServiceUrlHosts(() => urls, {
      refreshMs: 0,
      resolve: async name => {
        if (name === 'validator.example') return ['10.0.0.3', '2001:DB8::1']
        throw new Error(`${name} does not resolve`)
      }
    })
    await hosts.refresh()
    for (const ip of ['10.0.0.1', '::1', '10.0.0.2', '10.0.0.3', '2001:db8::1']) expect([ip, hosts.has(ip)]).toEqual([ip, true])
    expect(hosts.has('10.0.0.4')).toBe(false)
    urls = ['10.0.0.4:1']
    await hosts.refresh()
    expect([hosts.has('10.0.0.4'), hosts.has('10.0.0.1')]).toEqual([true, false])
  })
})
