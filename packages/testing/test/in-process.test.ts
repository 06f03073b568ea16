import { describe, expect, it } from '@jest/globals'
import {
  MessageTooLargeError, NotStartedError, PeerUnreachableError, createPeer, testIdentity, type RemoteSender
} from '@pokt-p2p/types'
import { InProcessNetwork } from '../src/index.js'

const node = (seed: number): RemoteSender & { peer: ReturnType<typeof createPeer> } => {
  const id = testIdentity(seed)
  return { address: id.address, publicKey: id.publicKeyHex, peer: createPeer(id.publicKey, '') }
}

describe('in-process network', () => {
  it('delivers a copy asynchronously with the sender identity, and counts it', async () => {
    const net = new InProcessNetwork()
    const a = node(1)
    const b = node(2)
    const ta = net.createTransport(a)
    const tb = net.createTransport(b)
    const got: Array<[Uint8Array, RemoteSender]> = []
    tb.handle('p', (bytes, from) => { got.push([bytes, from]) })
    const data = Uint8Array.of(1, 2, 3)
    await ta.sendTo(b.peer, 'p', data)
    data[0] = 9
    expect(got).toHaveLength(0)
    await net.idle()
    expect(got[0]?.[0]).toEqual(Uint8Array.of(1, 2, 3))
    expect(got[0]?.[1]).toEqual({ address: a.address, publicKey: a.publicKey })
    expect(net.stats).toEqual({ messages: 1, bytes: 3 })
  })

  it('unknown node, unknown protocol, oversize and closed transports are typed errors', async () => {
    const net = new InProcessNetwork({ maxMessageBytes: 4 })
    const a = node(1)
    const b = node(2)
    const ta = net.createTransport(a)
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(PeerUnreachableError)
    const tb = net.createTransport(b)
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(/protocol p not supported/)
    tb.handle('p', () => {})
    await expect(ta.sendTo(b.peer, 'p', new Uint8Array(5))).rejects.toThrow(MessageTooLargeError)
    tb.close()
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(PeerUnreachableError)
    ta.close()
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(NotStartedError)
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    await expect(net.createTransport(a).sendTo(b.peer, 'p', Uint8Array.of(1), { signal: ac.signal })).rejects.toThrow('stop')
  })

  it('idle waits for async handlers and for the messages they send, then for nothing', async () => {
    const net = new InProcessNetwork()
    const [a, b, c] = [node(1), node(2), node(3)]
    const ta = net.createTransport(a)
    const tb = net.createTransport(b)
    const got: string[] = []
    let release: () => void = () => {}
    const held = new Promise<void>(resolve => { release = resolve })
    // B holds each message until released, then forwards it to C
    tb.handle('p', async bytes => { got.push('b'); await held; await tb.sendTo(c.peer, 'p', bytes) })
    net.createTransport(c).handle('p', async () => { await Promise.resolve(); got.push('c') })
    await net.idle() // nothing in flight: resolves at once
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    let idle = false
    const waiters = [net.idle(), net.idle()]
    void Promise.all(waiters).then(() => { idle = true })
    await new Promise(resolve => setImmediate(resolve))
    await new Promise(resolve => setImmediate(resolve))
    expect(got).toEqual(['b'])
    expect(idle).toBe(false)
    release()
    await Promise.all(waiters)
    expect(got).toEqual(['b', 'c'])
    expect(net.stats.messages).toBe(2)
  })

  it('a throwing handler does not break the network', async () => {
    const net = new InProcessNetwork()
    const a = node(1)
    const b = node(2)
    const ta = net.createTransport(a)
    let calls = 0
    net.createTransport(b).handle('p', () => { calls++; throw new Error('boom') })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    await net.idle()
    expect(calls).toBe(2)
  })
})
