import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type Server, type Socket } from 'node:net'
import { createAny, createPeer, type Peer, type Router } from '@pokt-p2p/types'
import { staticProviders } from '@pokt-p2p/providers'
import { captureLogs, testIdentities, waitFor } from '@pokt-p2p/testing'
import { NoRouterError, createP2P, type P2PInit, type P2PModule } from '../src/index.js'

/** A "validator" that accepts TCP connections and never answers: every dial to it hangs until its deadline. */
async function hungPeer (): Promise<{ port: number, close: () => Promise<void> }> {
  const sockets: Socket[] = []
  const server: Server = createServer(socket => { sockets.push(socket) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as { port: number }
  await new Promise(resolve => s.close(resolve))
  return port
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tcpModule (privateKey: string, port: number, staked: Peer[], init: Partial<P2PInit> = {}): P2PModule {
  const providers = staticProviders({ height: 1n, staked })()
  const m = createP2P({
    config: { private_key: privateKey, hostname: '127.0.0.1', port, allow_loopback: true },
    currentHeightProvider: providers,
    peerstoreProvider: providers,
    ...init
  })
  cleanups.push(async () => { await m.stop() })
  return m
}

/** Records the background router's bootstrap outcome on `order`, from the moment the router is created. */
function recordBootstrap (m: P2PModule, order: string[], name: string): void {
  m.events.on('router:created', ({ role, router }) => {
    if (role !== 'unstaked') return
    const events = (router as Router & { events: { on: (type: string, fn: () => void) => void } }).events
    events.on('bootstrap:succeeded', () => { order.push(`${name} bootstrap settled`) })
    events.on('bootstrap:failed', () => { order.push(`${name} bootstrap settled`) })
  })
}

describe('start() with a hung validator in the staked set', () => {
  it('returns while bootstrap still dials it; RainTree receives meanwhile', async () => {
    const hung = await hungPeer()
    cleanups.push(hung.close)
    const [a, b, h] = testIdentities(3) as [ReturnType<typeof testIdentities>[0], ReturnType<typeof testIdentities>[0], ReturnType<typeof testIdentities>[0]]
    const [pa, pb] = [await freePort(), await freePort()]
    const staked = [createPeer(a.publicKey, `127.0.0.1:${pa}`), createPeer(b.publicKey, `127.0.0.1:${pb}`), createPeer(h.publicKey, `127.0.0.1:${hung.port}`)]
    const A = tcpModule(a.privateKeyHex, pa, staked)
    const B = tcpModule(b.privateKeyHex, pb, staked)
    const order: string[] = []
    recordBootstrap(A, order, 'A')
    A.events.on('message', () => { order.push('A received') })

    await Promise.all([A.start(), B.start()])
    order.push('started')
    // default bootstrap options: the hung peer holds A's bootstrap for ~30 s (dial deadline × retries)
    await B.send(A.getAddress(), createAny('type.googleapis.com/pocket.Test', Uint8Array.of(1)))
    await waitFor(() => order.includes('A received'), { what: 'A to receive over RainTree' })
    expect(order).toEqual(['started', 'A received'])
    expect(A.routers.unstaked?.isStarted()).toBe(false) // still bootstrapping
  }, 60_000)

  it('bootstrap settles in the background: router:started follows, logged; an unstaked node sends only after it', async () => {
    const hung = await hungPeer()
    cleanups.push(hung.close)
    const [a, h] = testIdentities(2) as [ReturnType<typeof testIdentities>[0], ReturnType<typeof testIdentities>[0]]
    const logs = captureLogs()
    // A is not staked: the background router is its only router
    const A = tcpModule(a.privateKeyHex, 0, [createPeer(h.publicKey, `127.0.0.1:${hung.port}`)], {
      logger: logs.logger,
      background: { bootstrapRetries: 1, dialTimeoutMs: 200 }
    })
    const order: string[] = []
    recordBootstrap(A, order, 'A')
    A.events.on('router:started', ({ role }) => { order.push(`router:started ${role}`) })
    await A.start()
    order.push('started')
    const before = await A.broadcast(createAny('type.googleapis.com/pocket.Test')).then(() => undefined, (err: Error) => err)
    await waitFor(() => order.includes('router:started unstaked'), { what: 'the background router to finish starting' })
    expect(before?.name).toBe(NoRouterError.name)
    expect(before?.message).toMatch(/still starting \(bootstrapping\)/)
    expect(order).toEqual(['started', 'A bootstrap settled', 'router:started unstaked'])
    const texts = logs.lines.map(l => `${l.namespace}: ${l.text}`)
    expect(texts.some(t => /bootstrap continues in the background/.test(t))).toBe(true)
    expect(texts.some(t => /^pokt:background.*:error: bootstrap failed/.test(t))).toBe(true)
    expect(texts.some(t => /the unstaked router background started/.test(t))).toBe(true)
    await A.broadcast(createAny('type.googleapis.com/pocket.Test'))
  }, 60_000)
})
