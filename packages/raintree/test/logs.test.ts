/** What an operator reads under `pokt:raintree`: failed sends (one error line each), drops, view changes. */
import { describe, expect, it } from '@jest/globals'
import { createPeer, encodeRainTreeMessage, generateIdentity, type Peer } from '@pokt-p2p/types'
import { InProcessNetwork, captureLogs, type CapturedLogLine, type InProcessTransport } from '@pokt-p2p/testing'
import { rainTree, type RainTreeRouter, type RainTreeSendFailedEvent } from '../src/index.js'
import { envelope, sortedIdentities } from './helpers.js'

const errors = (lines: CapturedLogLine[]): CapturedLogLine[] => lines.filter(l => l.namespace === 'pokt:raintree:error')

/** Three started routers on an in-process network; router 0 logs into `logs`. */
async function three (): Promise<{
  net: InProcessNetwork, routers: RainTreeRouter[], transports: InProcessTransport[], peers: Peer[], logs: ReturnType<typeof captureLogs>
}> {
  const logs = captureLogs()
  const net = new InProcessNetwork()
  const ids = sortedIdentities(3)
  const peers = ids.map(id => createPeer(id.publicKey))
  const transports = ids.map(id => net.createTransport({ address: id.address, publicKey: id.publicKeyHex }))
  const routers = ids.map((id, i) => rainTree()({
    selfAddress: id.address, transport: transports[i]!, peers, ...(i === 0 ? { logger: logs.logger } : {})
  }))
  await Promise.all(routers.map(async r => { await r.start() }))
  // peer 2 goes away without telling anyone: its transport is closed
  await routers[2]!.stop()
  transports[2]!.close()
  return { net, routers, transports, peers, logs }
}

describe('logs (pokt:raintree)', () => {
  it('a failed send in a broadcast produces exactly one error line, naming the peer and the reason', async () => {
    const { net, routers, peers, logs } = await three()
    const failed: RainTreeSendFailedEvent[] = []
    routers[0]!.events.on('send:failed', e => { failed.push(e) })
    logs.lines.length = 0
    await routers[0]!.broadcast(envelope('to a closed peer'))
    await net.idle()
    expect(failed).toHaveLength(1)
    const lines = errors(logs.lines)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.text).toContain(peers[2]!.address)
    expect(lines[0]!.text).toContain(failed[0]!.error.message) // the reason: no in-process node with that address
    expect(lines[0]!.text).toMatch(/no in-process node with that address/)
  })

  it('a failed send() produces exactly one error line too (and throws)', async () => {
    const { routers, peers, logs } = await three()
    logs.lines.length = 0
    const err = await routers[0]!.send(envelope('direct'), peers[2]!.address).then(() => undefined, (e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    const lines = errors(logs.lines)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.text).toContain(peers[2]!.address)
    expect(lines[0]!.text).toContain(err!.message)
  })

  it('a drop is logged (not as an error) with the sender and the reason; a delivered message logs nothing above trace', async () => {
    const { net, routers, transports, peers, logs } = await three()
    const stranger = generateIdentity()
    const strangerTransport = net.createTransport({ address: stranger.address, publicKey: stranger.publicKeyHex })
    logs.lines.length = 0
    await strangerTransport.sendTo(peers[0]!, routers[0]!.protocol, encodeRainTreeMessage({ level: 0, data: envelope() }))
    await transports[1]!.sendTo(peers[0]!, routers[0]!.protocol, Uint8Array.of(0x0a, 0xff))
    await net.idle()
    expect(errors(logs.lines)).toEqual([])
    const drops = logs.lines.filter(l => l.namespace === 'pokt:raintree')
    expect(drops).toHaveLength(2)
    expect(drops[0]!.text).toContain(stranger.address)
    expect(drops[0]!.text).toContain('unknownSender')
    expect(drops[1]!.text).toContain(peers[1]!.address)
    expect(drops[1]!.text).toContain('decode')

    logs.lines.length = 0
    await routers[1]!.send(envelope('fine'), peers[0]!.address)
    await net.idle()
    expect(logs.lines.filter(l => !l.namespace.endsWith(':trace'))).toEqual([])
  })

  it('view changes are logged with the new view size and maxNumLevels', async () => {
    const { routers, logs } = await three()
    logs.lines.length = 0
    const extra = createPeer(generateIdentity().publicKey)
    await routers[0]!.addPeer(extra)
    await routers[0]!.removePeer(extra.address)
    expect(logs.lines.map(l => l.namespace)).toEqual(['pokt:raintree', 'pokt:raintree'])
    expect(logs.lines[0]!.text).toBe(`added peer ${extra.address}: view of 4, maxNumLevels 2`)
    expect(logs.lines[1]!.text).toBe(`removed peer ${extra.address}: view of 3, maxNumLevels 1`)
  })
})
