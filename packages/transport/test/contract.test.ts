import { afterAll, describe, expect, it } from '@jest/globals'
import { MessageTooLargeError, PeerUnreachableError, createPeer, type Peer } from '@pokt-p2p/types'
import { InProcessNetwork, waitFor } from '@pokt-p2p/testing'
import { RAINTREE_PROTOCOL_ID, type MessageTransport } from '../src/index.js'
import { freshIdentity, startNodes, stopAll, type TestNode } from './helpers.js'

// The same behaviour is required of both MessageTransport implementations routers are given.
interface Fixture { a: MessageTransport, b: MessageTransport, peerA: Peer, peerB: Peer, stranger: Peer }

const started: TestNode[] = []
afterAll(async () => { await stopAll(started) })

const CAP = 10_000
const fixtures: Array<[string, () => Promise<Fixture>]> = [
  ['InProcessNetwork', async () => {
    const net = new InProcessNetwork({ maxMessageBytes: CAP })
    const [ia, ib] = [freshIdentity(), freshIdentity()]
    const a = net.createTransport({ address: ia.address, publicKey: ia.publicKeyHex })
    const b = net.createTransport({ address: ib.address, publicKey: ib.publicKeyHex })
    return { a, b, peerA: createPeer(ia.publicKey), peerB: createPeer(ib.publicKey), stranger: createPeer(freshIdentity().publicKey) }
  }],
  ['Libp2pMessageTransport (memory)', async () => {
    const nodes = await startNodes(2, { transport: 'memory', init: { maxMessageBytes: CAP } })
    started.push(...nodes)
    const [na, nb] = nodes as [TestNode, TestNode]
    return { a: na.transport, b: nb.transport, peerA: na.peer, peerB: nb.peer, stranger: createPeer(freshIdentity().publicKey) }
  }]
]

describe.each(fixtures)('MessageTransport contract: %s', (_name, make) => {
  it('delivers whole messages with the authenticated sender, per protocol, replacing handlers', async () => {
    const { a, b, peerA, peerB } = await make()
    expect(a.localAddress).toBe(peerA.address)
    const got: Array<[string, number[]]> = []
    b.handle(RAINTREE_PROTOCOL_ID, () => { got.push(['old', []]) })
    b.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => { got.push([from.address, [...bytes]]) })
    await a.sendTo(peerB, RAINTREE_PROTOCOL_ID, Uint8Array.of(1, 2))
    await a.sendTo(peerB, RAINTREE_PROTOCOL_ID, new Uint8Array(CAP))
    await waitFor(() => got.length === 2)
    expect(got[0]).toEqual([peerA.address, [1, 2]])
    expect(got[1]![0]).toBe(peerA.address)
    expect(got[1]![1]).toHaveLength(CAP)
  })

  it('oversize: MessageTooLargeError; unknown peer or unhandled protocol: PeerUnreachableError', async () => {
    const { a, b, peerB, stranger } = await make()
    b.handle(RAINTREE_PROTOCOL_ID, () => {})
    await expect(a.sendTo(peerB, RAINTREE_PROTOCOL_ID, new Uint8Array(CAP + 1))).rejects.toBeInstanceOf(MessageTooLargeError)
    await expect(a.sendTo(stranger, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toBeInstanceOf(PeerUnreachableError)
    await expect(a.sendTo(peerB, 'pokt/unknown/v1', Uint8Array.of(1))).rejects.toBeInstanceOf(PeerUnreachableError)
    b.unhandle(RAINTREE_PROTOCOL_ID)
    await expect(a.sendTo(peerB, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toBeInstanceOf(PeerUnreachableError)
  })
})
