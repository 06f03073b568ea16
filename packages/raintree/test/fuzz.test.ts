import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  MemoryMetrics, RainTreeControl, createPeer, encodeRainTreeControl, encodeRainTreeMessage, type InboundMessageHandler, type MessageTransport, type Peer,
  type RemoteSender
} from '@pokt-p2p/types'
import { InProcessNetwork, fuzzRuns } from '@pokt-p2p/testing'
import { rainTree } from '../src/index.js'
import { envelope, figures, sortedIdentities } from './helpers.js'

/** Captures the router's inbound handler; sends succeed and are counted. */
class CapturingTransport implements MessageTransport {
  /** the handler of the last protocol registered (the reference's: the router registers it after its own) */
  handler: ((bytes: Uint8Array, from: RemoteSender) => void | Promise<void>) | undefined
  sends = 0
  constructor (readonly localAddress: string) {}
  handle (p: string, h: InboundMessageHandler): void { this.handler = async (bytes, from) => { await h(bytes, from, p) } }
  unhandle (): void { this.handler = undefined }
  async sendTo (_peer: unknown, protocols: string | readonly string[]): Promise<string> {
    this.sends++
    return [protocols].flat().at(-1) as string
  }
}

/** Messages the router read or dropped (for any reason): every inbound message is exactly one of them. */
function accounted (metrics: MemoryMetrics): number {
  const s = figures(metrics)
  return s.reads + Object.values(s.dropped).reduce((a, b) => a + b, 0)
}

/** Random mutations of a valid message: bit flips, truncation, insertion, splicing, varint bombs. */
function mutate (base: Uint8Array, rnd: () => number): Uint8Array {
  const b = Array.from(base)
  const ops = 1 + Math.floor(rnd() * 4)
  for (let k = 0; k < ops; k++) {
    const pos = Math.floor(rnd() * (b.length + 1))
    switch (Math.floor(rnd() * 6)) {
      case 0: if (b.length > 0) b[pos % b.length]! ^= 1 << Math.floor(rnd() * 8); break
      case 1: b.length = pos; break
      case 2: b.splice(pos, 0, Math.floor(rnd() * 256)); break
      case 3: b.splice(pos, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01); break
      case 4: b.splice(pos, 0, 0x12, 0xff, 0xff, 0xff, 0x0f); break // data field claiming ~4 GB
      default: if (b.length > 0) b[pos % b.length] = Math.floor(rnd() * 256)
    }
  }
  return Uint8Array.from(b)
}

describe('fuzz: malformed inbound bytes never crash the router', () => {
  const ids = sortedIdentities(27)
  const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
  const senders: RemoteSender[] = ids.map(id => ({ address: id.address, publicKey: id.publicKeyHex }))

  for (const mode of ['complete', 'reference'] as const) {
    it(`${mode}: 2,500 random byte strings, every one accounted for`, async () => {
      const t = new CapturingTransport(peers[0]!.address)
      const metrics = new MemoryMetrics()
      const r = rainTree({ mode })({ selfAddress: peers[0]!.address, transport: t, peers, metrics })
      await r.start()
      let n = 0
      await fc.assert(fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 26 }),
        async (bytes, s) => {
          await t.handler!(bytes, senders[s]!) // must not throw
          n++
          expect(accounted(metrics)).toBe(n)
        }
      ), { numRuns: fuzzRuns(2500) })
      expect(figures(metrics).dropped.decode + figures(metrics).dropped.envelope).toBeGreaterThan(0)
    })

    it(`${mode}: 3,000 mutated valid messages, every one accounted for`, async () => {
      const t = new CapturingTransport(peers[0]!.address)
      const metrics = new MemoryMetrics()
      const r = rainTree({ mode })({ selfAddress: peers[0]!.address, transport: t, peers, metrics })
      await r.start()
      const bases = [
        encodeRainTreeMessage({ level: 3, data: envelope('a') }),
        encodeRainTreeMessage({ level: 2, data: envelope('b'), rangeSize: 9 }),
        encodeRainTreeMessage({ level: 0, data: envelope('c') }),
        encodeRainTreeMessage({ level: 0xffff_ffff, data: envelope('d'), rangeSize: 0xffff_ffff })
      ]
      let seed = 0x9e3779b9
      const rnd = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32 }
      for (let i = 0; i < 3000; i++) {
        const bytes = mutate(bases[i % bases.length]!, rnd)
        await t.handler!(bytes, senders[i % 27]!)
        expect(accounted(metrics)).toBe(i + 1)
      }
      // at most one plan per accepted message, each ≤ 2 sends per level over ≤ maxNumLevels + … levels
      expect(t.sends).toBeLessThanOrEqual(figures(metrics).reads * 2 * 27)
      expect(figures(metrics).reads).toBeGreaterThan(0)
      expect(figures(metrics).dropped.decode + figures(metrics).dropped.envelope).toBeGreaterThan(0)
    })
  }

  it('over the in-process network, garbage between real broadcasts changes nothing', async () => {
    const net = new InProcessNetwork()
    const transports = senders.slice(0, 9).map(s => net.createTransport(s))
    const metrics = transports.map(() => new MemoryMetrics())
    const routers = transports.map((transport, i) => rainTree()({
      selfAddress: senders[i]!.address, transport, peers: peers.slice(0, 9), metrics: metrics[i]
    }))
    await Promise.all(routers.map(async r => { await r.start() }))
    const attacker = transports[1]! // a staked peer sending junk over its real transport
    for (let i = 0; i < 200; i++) {
      await attacker.sendTo(peers[[0, 2, 3, 4, 5, 6, 7, 8][i % 8]!]!, 'pokt/raintree/v1.0.0', Uint8Array.of(0x08, i & 0x7f, 0x12, 0x03, 0xff))
    }
    await net.idle()
    expect(metrics.reduce((sum, m) => sum + figures(m).dropped.decode + figures(m).dropped.envelope, 0)).toBe(200)
    const delivered = routers.map(() => 0)
    routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++ }))
    await routers[0]!.broadcast(envelope())
    await net.idle()
    expect(delivered).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1])
  })

  it('control frames on the stream protocol (ACK, clean-up queries and answers, unknown kinds), staked or not: no throw, at most two sends each', async () => {
    // the stream protocol's handler is the first one the router registers
    let streamHandler: InboundMessageHandler | undefined
    let sends = 0
    const transport: MessageTransport = {
      localAddress: peers[0]!.address,
      handle: (p, h) => { streamHandler ??= async (bytes, from) => { await h(bytes, from, p) } },
      unhandle: () => {},
      sendTo: async (_peer, protocols) => { sends++; return [protocols].flat()[0] as string }
    }
    const stranger: RemoteSender = { address: 'ff'.repeat(20), publicKey: 'ee'.repeat(32) }
    const r = rainTree({ ack: true, cleanup: true })({ selfAddress: peers[0]!.address, transport, peers, metrics: new MemoryMetrics() })
    await r.start()
    let inputs = 0
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 7 }), fc.bigUint64Array({ minLength: 1, maxLength: 1 }), fc.integer({ min: 0, max: 27 }), fc.uint8Array({ maxLength: 12 }),
      async (kind, [nonce], s, tail) => {
        // a well-formed control frame of any kind, sometimes with trailing junk
        const frame = new Uint8Array([...encodeRainTreeControl(kind as RainTreeControl, nonce!), ...tail])
        await streamHandler!(frame, s === 27 ? stranger : senders[s]!, 'pokt/raintree/v2.0.0')
        inputs++
      }
    ), { numRuns: fuzzRuns(3000) })
    await r.stop()
    expect(sends).toBeLessThanOrEqual(2 * inputs)
  })
})
