/**
 * Issue 15 items 1 and 3, as the module wires them: RainTree streams only from the staked set (refused before any
 * byte is read), staked senders first in the inbound budget, and the staked set's IPs as reserved hosts.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createPeer, encodePocketEnvelope, encodeRainTreeMessage, generateNonce, MemoryMetrics } from '@pokt-p2p/types'
import { staticProviders } from '@pokt-p2p/providers'
import { testIdentities, waitFor } from '@pokt-p2p/testing'
import {
  createNode, inboundGateOf, memoryMultiaddr, messageTransport, RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID
} from '@pokt-p2p/transport'
import { rainTree } from '@pokt-p2p/raintree'
import {
  ConsensusNewHeightEventSchema, anyOf, create, createAny, createP2P, toBinary, type P2PMessage, type P2PModule
} from '../src/index.js'

const stops: Array<() => Promise<void>> = []
afterEach(async () => { for (const s of stops.splice(0).reverse()) await s() })

describe('wiring: admission and reserved capacity for the staked set', () => {
  it('refuses an outsider\'s RainTree streams before reading them and admits the staked set\'s', async () => {
    const [a, b, outsiderId] = testIdentities(3)
    const peers = [a!, b!].map(id => createPeer(id.publicKey, ''))
    const providers = staticProviders({ height: 1n, staked: peers })()
    const metrics = new MemoryMetrics()
    const modules: P2PModule[] = [a!, b!].map((id, i) => createP2P({
      config: { private_key: id.privateKeyHex, connection_type: 'memory', allow_loopback: true },
      currentHeightProvider: providers,
      peerstoreProvider: providers,
      unstakedRouter: null,
      ...(i === 0 ? { metrics: () => metrics } : {})
    }))
    for (const m of modules) {
      await m.start()
      stops.push(async () => { await m.stop() })
    }
    // an outsider with a node of its own writes on both RainTree protocols
    const node = await createNode({ identity: outsiderId!, transport: 'memory', allowLoopback: true })
    await node.start()
    const outsider = messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node })
    stops.push(async () => { await outsider.close(); await node.stop() })
    for (const protocol of [RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID]) {
      // the send itself may or may not see the reset (v1 resolves once written); the receiver's count says
      await outsider.sendTo(peers[0]!, protocol, new Uint8Array(64 * 1024)).catch(() => {})
    }
    const notAdmitted = (): number => metrics.value('pokt_transport_rejected_total', 'notAdmitted')
    // at least one stream per protocol (a send retries once on a fresh stream when its first was reset unwritten)
    await waitFor(() => notAdmitted() >= 2, { what: () => `the outsider's streams refused (${notAdmitted()})` })
    expect(modules[0]!.transport!.inboundBudget.peak).toBe(0)

    // b is staked: its message goes through RainTree
    const got: P2PMessage[] = []
    modules[0]!.events.on('message', msg => got.push(msg))
    await modules[1]!.send(a!.address, anyOf('pocket.DebugMessage', new TextEncoder().encode('staked')))
    await waitFor(() => got.length === 1, { what: 'the staked peer\'s message' })
    expect([got[0]!.router, got[0]!.from]).toEqual(['raintree', b!.address])
    expect(modules[0]!.transport!.inboundBudget.peak).toBeGreaterThan(0)
  }, 60_000)

  it('admits outsiders\' RainTree streams when RainTree accepts messages from unknown peers', async () => {
    const [a, outsiderId] = testIdentities(2)
    const providers = staticProviders({ height: 1n, staked: [createPeer(a!.publicKey, '')] })()
    const metrics = new MemoryMetrics()
    const m = createP2P({
      config: { private_key: a!.privateKeyHex, connection_type: 'memory', allow_loopback: true },
      currentHeightProvider: providers,
      peerstoreProvider: providers,
      unstakedRouter: null,
      raintree: { acceptFromUnknownPeers: true },
      metrics: () => metrics
    })
    await m.start()
    stops.push(async () => { await m.stop() })
    const got: P2PMessage[] = []
    m.events.on('message', msg => got.push(msg))
    const node = await createNode({ identity: outsiderId!, transport: 'memory', allowLoopback: true })
    await node.start()
    const outsider = messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node })
    stops.push(async () => { await outsider.close(); await node.stop() })
    // a RainTree message at level 0 from the outsider: RainTree delivers it (never propagates it)
    const envelope = encodePocketEnvelope(anyOf('pocket.DebugMessage', new TextEncoder().encode('from outside')), generateNonce())
    await outsider.sendTo(createPeer(a!.publicKey, ''), RAINTREE_PROTOCOL_ID, encodeRainTreeMessage({ level: 0, data: envelope }))
    await waitFor(() => got.length === 1, { what: 'the outsider\'s message' })
    expect(got[0]!.from).toBe(outsiderId!.address)
    expect(metrics.value('pokt_transport_rejected_total', 'notAdmitted')).toBe(0)
  }, 60_000)

  it('tells the routers who is staked, following the staked set to each new height', async () => {
    const [a, b, c] = testIdentities(3)
    const [pa, pb, pc] = [a!, b!, c!].map(id => createPeer(id.publicKey, ''))
    const providers = staticProviders({ height: 1n, staked: h => h === 1n ? [pa!, pb!] : [pa!, pc!] })()
    let isStaked: ((address: string) => boolean) | undefined
    const m = createP2P({
      config: { private_key: a!.privateKeyHex, connection_type: 'memory', allow_loopback: true },
      currentHeightProvider: providers,
      peerstoreProvider: providers,
      unstakedRouter: null,
      stakedRouter: components => {
        isStaked = components.isStaked
        return rainTree()(components)
      }
    })
    await m.start()
    stops.push(async () => { await m.stop() })
    expect([b!.address, c!.address].map(x => isStaked!(x))).toEqual([true, false])
    // the state machine's new height event (the module's handleEvent applies the staked-set delta)
    await m.handleEvent(createAny('type.googleapis.com/pocket.ConsensusNewHeightEvent', toBinary(ConsensusNewHeightEventSchema, create(ConsensusNewHeightEventSchema, { height: 2n }))))
    expect([b!.address, c!.address].map(x => isStaked!(x))).toEqual([false, true])
  }, 60_000)

  it('reserves inbound capacity for the staked set\'s IPs', async () => {
    const [a, b] = testIdentities(2)
    const peers = [createPeer(a!.publicKey, '127.0.0.1:0'), createPeer(b!.publicKey, '127.0.0.9:42069')]
    const providers = staticProviders({ height: 1n, staked: peers })()
    const m = createP2P({
      config: { private_key: a!.privateKeyHex, connection_type: 'tcp', hostname: '127.0.0.1', port: 0 },
      currentHeightProvider: providers,
      peerstoreProvider: providers,
      unstakedRouter: null
    })
    await m.start()
    stops.push(async () => { await m.stop() })
    const gate = inboundGateOf(m.node!)!
    await waitFor(() => gate.classOf('127.0.0.9') === 'reserved', { what: 'the staked set\'s IPs to be resolved' })
    expect(gate.classOf('127.0.0.1')).toBe('reserved')
    expect(gate.classOf('127.0.0.10')).toBe('other')
  }, 60_000)
})
