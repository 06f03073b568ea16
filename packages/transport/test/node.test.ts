import { afterEach, describe, expect, it } from '@jest/globals'
import { InvalidConfigError, MemoryMetrics } from '@pokt-p2p/types'
import { captureLogs } from '@pokt-p2p/testing'
import type { Libp2p } from 'libp2p'
import { createNode, DEFAULT_P2P_PORT, type NodeInit } from '../src/index.js'
import { freshIdentity } from './helpers.js'

const started: Libp2p[] = []
afterEach(async () => { await Promise.all(started.splice(0).map(async n => { await n.stop() })) })

async function start (init: Omit<NodeInit, 'identity'>): Promise<Libp2p> {
  const node = await createNode({ identity: freshIdentity(), ...init })
  started.push(node)
  await node.start()
  return node
}

/** A dial the remote refused (closed or reset the connection), as opposed to one that timed out or was aborted. */
function refused (err: unknown): boolean {
  // duck-typed: socket errors come from Node's realm, not the test's, so `instanceof Error` is false for them
  if (typeof err !== 'object' || err === null) return false
  const { name, message, code } = err as { name?: unknown, message?: unknown, code?: unknown }
  if (name === 'AbortError' || name === 'TimeoutError') return false
  return /ECONNRESET|ECONNREFUSED|EPIPE|reset|closed|ended/i.test(`${String(message)} ${String(code)}`)
}

/** A dial that ran out of time (libp2p's handshake deadline, or the caller's signal). */
function timedOut (err: unknown): boolean {
  if (typeof err !== 'object' || err === null || refused(err)) return false
  const { name, message } = err as { name?: unknown, message?: unknown }
  return name === 'TimeoutError' || name === 'AbortError' || /timed? ?out/i.test(String(message))
}

describe('createNode', () => {
  it('is created stopped, with identify and ping, and listens where configured once started', async () => {
    const node = await createNode({ identity: freshIdentity(), hostname: '127.0.0.1', port: 0 })
    started.push(node)
    expect(node.status).toBe('stopped')
    expect(Object.keys(node.services).sort()).toEqual(['identify', 'ping'])
    await node.start()
    const [ma] = node.getMultiaddrs()
    expect(ma!.toString()).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${node.peerId.toString()}$`))
    expect(ma!.toString()).not.toContain('/tcp/0/')
  })

  it('defaults: 0.0.0.0 and port 42069 (not started, so the port is not taken)', async () => {
    const node = await createNode({ identity: freshIdentity() })
    expect(DEFAULT_P2P_PORT).toBe(42069)
    // the configured listen addresses are visible through the address manager's config
    expect((node as unknown as { components: { addressManager: { getListenAddrs: () => Array<{ toString: () => string }> } } })
      .components.addressManager.getListenAddrs().map(String)).toEqual(['/ip4/0.0.0.0/tcp/42069'])
  })

  it('listens on an IPv6 host, a resolvable name, or explicit multiaddrs', async () => {
    const v6 = await createNode({ identity: freshIdentity(), hostname: '::1', port: 0 })
    const named = await createNode({ identity: freshIdentity(), hostname: 'node1.test', port: 1234, resolve: async () => ['10.1.2.3'] })
    const explicit = await createNode({ identity: freshIdentity(), listen: ['/ip4/127.0.0.1/tcp/0'], hostname: 'ignored', port: 1 })
    const listenOf = (n: Libp2p): string[] => (n as unknown as { components: { addressManager: { getListenAddrs: () => unknown[] } } })
      .components.addressManager.getListenAddrs().map(String)
    expect(listenOf(v6)).toEqual(['/ip6/::1/tcp/0'])
    expect(listenOf(named)).toEqual(['/ip4/10.1.2.3/tcp/1234'])
    expect(listenOf(explicit)).toEqual(['/ip4/127.0.0.1/tcp/0'])
  })

  it('memory transport listens on /memory/<address>', async () => {
    const identity = freshIdentity()
    const node = await createNode({ identity, transport: 'memory' })
    started.push(node)
    await node.start()
    expect(node.getMultiaddrs().map(String)).toEqual([`/memory/${identity.address}/p2p/${node.peerId.toString()}`])
  })

  it.each([
    [{ port: -1 }, 'port'],
    [{ port: 65536 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ hostname: '' }, 'hostname'],
    [{ hostname: 'bad host' }, 'hostname'],
    [{ hostname: 'x.test', resolve: async () => [] }, 'hostname'],
    [{ listen: ['not a multiaddr'] }, 'listen'],
    [{ maxInboundConnections: 0 }, 'maxInboundConnections'],
    [{ maxOutboundConnections: -3 }, 'maxOutboundConnections'],
    [{ maxStreamWindowBytes: 1000 }, 'maxStreamWindowBytes'],
    [{ transport: 'udp' as 'tcp' }, 'transport']
  ] as Array<[Partial<NodeInit>, string]>)('rejects %j with InvalidConfigError naming %s', async (init, field) => {
    const err = await createNode({ identity: freshIdentity(), ...init }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).field).toBe(field)
  })

  it('rejects an identity whose key halves do not match', async () => {
    const a = freshIdentity()
    const b = freshIdentity()
    const err = await createNode({ identity: { ...a, publicKey: b.publicKey, publicKeyHex: b.publicKeyHex } }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidConfigError)
  })

  it('enforces maxInboundConnections: the third inbound connection is refused', async () => {
    const server = await start({ hostname: '127.0.0.1', port: 0, maxInboundConnections: 2, allowLoopback: true })
    const clients = await Promise.all([0, 1, 2].map(async () => await start({ hostname: '127.0.0.1', port: 0, allowLoopback: true })))
    const addr = server.getMultiaddrs()[0]!
    await clients[0]!.dial(addr)
    await clients[1]!.dial(addr)
    // refused, i.e. reset by the server: not merely slow (the signal is a safety net, far above a refusal's few ms)
    const err = await clients[2]!.dial(addr, { signal: AbortSignal.timeout(20_000) }).then(() => undefined, (e: unknown) => e)
    expect(refused(err)).toBe(true)
    expect(server.getConnections().filter(c => c.direction === 'inbound')).toHaveLength(2)
  })

  it('enforces maxOutboundConnections: the third dial is refused by the gater', async () => {
    const client = await start({ hostname: '127.0.0.1', port: 0, maxOutboundConnections: 2, allowLoopback: true })
    const servers = await Promise.all([0, 1, 2].map(async () => await start({ hostname: '127.0.0.1', port: 0, allowLoopback: true })))
    await client.dial(servers[0]!.getMultiaddrs()[0]!)
    await client.dial(servers[1]!.getMultiaddrs()[0]!)
    await expect(client.dial(servers[2]!.getMultiaddrs()[0]!)).rejects.toThrow()
    // an existing connection is still reused
    await expect(client.dial(servers[0]!.getMultiaddrs()[0]!)).resolves.toBeDefined()
    expect(client.getConnections()).toHaveLength(2)
  })

  it('without allowLoopback, the per-host inbound rate limit applies; with it, 20 simultaneous loopback dials are all admitted', async () => {
    /** How 20 simultaneous dials end: connected, refused by the server, timed out, or otherwise. */
    const dialAll = async (allowLoopback: boolean): Promise<{ ok: number, refused: number, timedOut: number, other: string[] }> => {
      const server = await start({ hostname: '127.0.0.1', port: 0, allowLoopback })
      const clients = await Promise.all(Array.from({ length: 20 }, async () => await start({ hostname: '127.0.0.1', port: 0 })))
      const results = await Promise.allSettled(clients.map(async c => await c.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(20_000) })))
      const failures = results.flatMap(r => r.status === 'rejected' ? [r.reason as unknown] : [])
      return {
        ok: results.length - failures.length,
        refused: failures.filter(refused).length,
        timedOut: failures.filter(timedOut).length,
        other: failures.filter(e => !refused(e) && !timedOut(e)).map(e => `${(e as Error).name}: ${(e as Error).message}`)
      }
    }
    // Admitted: none refused. On a loaded machine 20 noise handshakes at once can outlast libp2p's own handshake
    // deadline, which no option of createNode raises: such a dial was admitted and timed out, it was not refused.
    const open = await dialAll(true)
    expect({ refused: open.refused, other: open.other }).toEqual({ refused: 0, other: [] })
    expect(open.ok + open.timedOut).toBe(20)
    expect(open.ok).toBeGreaterThan(0)
    // the limit refuses (resets) dials at once, whatever the load
    const limited = await dialAll(false)
    expect(limited.refused).toBeGreaterThan(0)
    expect(limited.other).toEqual([])
  })

  it('merges extra services with identify and ping', async () => {
    const node = await createNode({ identity: freshIdentity(), transport: 'memory', services: { extra: () => ({ hello: 'world' }) } })
    expect(Object.keys(node.services).sort()).toEqual(['extra', 'identify', 'ping'])
    expect(node.services.extra).toEqual({ hello: 'world' })
  })

  it('gives libp2p the logger and the metrics factory it was given', async () => {
    const logs = captureLogs()
    const metrics = new MemoryMetrics()
    const node = await start({ transport: 'memory', logger: logs.logger, metrics: () => metrics })
    expect(node.metrics).toBe(metrics)
    expect(logs.lines.some(l => l.namespace.startsWith('libp2p'))).toBe(true)
  })
})
