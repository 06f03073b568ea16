import { afterEach, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createPeer, InvalidKeyError, testIdentity } from '@pokt-p2p/types'
import {
  addressOfPeerId, createNode, memoryMultiaddr, peerFromConnection, peerIdOf, privateKeyOf, remoteSenderOf,
  UnsupportedPeerKeyError
} from '../src/index.js'
import { waitFor } from '@pokt-p2p/testing'
import { startNodes, stopAll, type TestNode } from './helpers.js'

let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('peer identity', () => {
  it('peerIdOf matches the reference vector of GetPrivKeySeed(1)', () => {
    const id = testIdentity(1)
    const peer = createPeer(id.publicKey, '127.0.0.1:42069')
    expect(peerIdOf(peer).toString()).toBe('12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X')
    expect(addressOfPeerId(peerIdOf(peer))).toBe('fa4d86c3b551aa6cd7c3759d040c037ef2c6379f')
  })

  it('privateKeyOf gives the libp2p ed25519 key whose peer id is the reference\'s', async () => {
    const id = testIdentity(1)
    const key = privateKeyOf(id)
    expect(key.type).toBe('Ed25519')
    expect(peerIdFromPrivateKey(key).toString()).toBe('12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X')
    const node = await createNode({ identity: id, transport: 'memory' })
    expect(node.peerId.toString()).toBe('12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X')
  })

  it('privateKeyOf rejects a key whose public half does not match', () => {
    const id = testIdentity(1)
    const wrong = { ...id, privateKey: Uint8Array.from([...id.privateKey.subarray(0, 32), ...testIdentity(2).publicKey]) }
    expect(() => privateKeyOf(wrong)).toThrow(InvalidKeyError)
    expect(() => privateKeyOf({ ...id, privateKey: id.privateKey.subarray(0, 32) })).toThrow(InvalidKeyError)
  })

  it('remoteSenderOf and peerFromConnection use the authenticated key of a real connection, both ends', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const conn = await a.node.dial(b.node.getMultiaddrs()[0]!)
    expect(remoteSenderOf(conn)).toEqual({ address: b.identity.address, publicKey: b.identity.publicKeyHex })
    await waitFor(() => b.node.getConnections(a.node.peerId).length === 1)
    const back = b.node.getConnections(a.node.peerId)[0]!
    expect(remoteSenderOf(back)).toEqual({ address: a.identity.address, publicKey: a.identity.publicKeyHex })
    const peer = peerFromConnection(conn)
    expect(peer).toEqual({ address: b.identity.address, publicKey: b.identity.publicKeyHex, serviceUrl: b.peer.serviceUrl })
    // the inbound side sees the dialer's source port, which is a real host:port (usually ephemeral)
    expect(peerFromConnection(back).serviceUrl).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  it('a non-ed25519 remote has no pocket address: UnsupportedPeerKeyError', async () => {
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    expect(() => remoteSenderOf({ remotePeer: secp })).toThrow(UnsupportedPeerKeyError)
    expect(() => addressOfPeerId(secp)).toThrow(/secp256k1/)
  })

  it('memoryMultiaddr is /memory/<address>', () => {
    expect(memoryMultiaddr('fa4d86c3b551aa6cd7c3759d040c037ef2c6379f').toString()).toBe('/memory/fa4d86c3b551aa6cd7c3759d040c037ef2c6379f')
  })
})
