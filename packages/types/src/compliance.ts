/**
 * A reusable compliance suite for {@link Router} implementations, in the spirit of js-libp2p's
 * interface-compliance-tests. Call it from a jest test file of the implementing package:
 *
 * @example
 * ```ts
 * import { routerComplianceTests } from '@pokt-p2p/types/compliance'
 * routerComplianceTests('raintree over in-process transport', {
 *   async setup (n) { ... return { routers, peers } },
 *   async teardown () { ... }
 * })
 * ```
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createAny, encodePocketEnvelope } from './wire.js'
import { generateIdentity } from './identity.js'
import { createPeer, type Peer } from './peer.js'
import type { Router, RouterMessage } from './router.js'
import { UnknownPeerError } from './errors.js'

export interface RouterNetwork {
  /** started routers that all know each other */
  routers: Router[]
  /** `peers[i]` is the identity of `routers[i]` */
  peers: Peer[]
}

export interface RouterComplianceFactory {
  /** Creates `n` started routers, each knowing the other `n - 1`. */
  setup (n: number): Promise<RouterNetwork>
  /** Releases everything `setup` created. */
  teardown (): Promise<void>
  /** Upper bound for a message to arrive, ms. @default 10000 */
  deliveryTimeoutMs?: number
  /** Size of the network used for broadcast tests. @default 5 */
  nodes?: number
}

let nonce = 1n
function envelope (text: string): Uint8Array {
  return encodePocketEnvelope(createAny('type.googleapis.com/test.Compliance', new TextEncoder().encode(text)), nonce++)
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0
}

async function nextMessage (router: Router, data: Uint8Array, timeoutMs: number): Promise<RouterMessage> {
  return await router.events.once('message', {
    signal: AbortSignal.timeout(timeoutMs),
    filter: m => sameBytes(m.data, data)
  })
}

export function routerComplianceTests (name: string, factory: RouterComplianceFactory): void {
  const timeout = factory.deliveryTimeoutMs ?? 10_000
  const n = factory.nodes ?? 5

  describe(`router compliance: ${name}`, () => {
    afterEach(async () => { await factory.teardown() })

    it('start and stop are idempotent', async () => {
      const { routers } = await factory.setup(2)
      const r = routers[0] as Router
      expect(r.isStarted()).toBe(true)
      await r.start()
      expect(r.isStarted()).toBe(true)
      await r.stop()
      expect(r.isStarted()).toBe(false)
      await r.stop()
      expect(r.isStarted()).toBe(false)
    }, timeout * 2)

    it('broadcast reaches every other router with identical bytes', async () => {
      const { routers } = await factory.setup(n)
      const data = envelope('broadcast')
      const waits = routers.slice(1).map(async r => await nextMessage(r, data, timeout))
      await (routers[0] as Router).broadcast(data)
      const got = await Promise.all(waits)
      expect(got).toHaveLength(n - 1)
      for (const m of got) expect(sameBytes(m.data, data)).toBe(true)
    }, timeout * 3)

    it('send delivers to exactly the addressed peer', async () => {
      const { routers, peers } = await factory.setup(3)
      const data = envelope('direct')
      const received: number[] = []
      routers.forEach((r, i) => r.events.on('message', m => { if (sameBytes(m.data, data)) received.push(i) }))
      const arrival = nextMessage(routers[2] as Router, data, timeout)
      await (routers[0] as Router).send(data, (peers[2] as Peer).address)
      const m = await arrival
      if (m.from !== undefined) expect(m.from).toBe((peers[0] as Peer).address)
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(received).toEqual([2])
    }, timeout * 3)

    it('send to an unknown address throws UnknownPeerError', async () => {
      const { routers } = await factory.setup(2)
      const stranger = createPeer(generateIdentity().publicKey, '127.0.0.1:1')
      const err = await (routers[0] as Router).send(envelope('x'), stranger.address).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).name).toBe(UnknownPeerError.name)
    }, timeout * 2)

    it('send to self is a no-op', async () => {
      const { routers, peers } = await factory.setup(2)
      const data = envelope('self')
      let delivered = 0
      routers[0]?.events.on('message', m => { if (sameBytes(m.data, data)) delivered++ })
      await (routers[0] as Router).send(data, (peers[0] as Peer).address)
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(delivered).toBe(0)
    }, timeout * 2)

    it('addPeer and removePeer update the peerstore; repeats are no-ops', async () => {
      const { routers } = await factory.setup(2)
      const r = routers[0] as Router
      const before = r.getPeerstore().size
      const extra = createPeer(generateIdentity().publicKey, '127.0.0.1:9')
      await r.addPeer(extra)
      await r.addPeer(extra)
      expect(r.getPeerstore().size).toBe(before + 1)
      expect(r.getPeerstore().getPeer(extra.address)).toEqual(extra)
      await r.removePeer(extra.address)
      await r.removePeer(extra.address)
      expect(r.getPeerstore().size).toBe(before)
      expect(r.getPeerstore().has(extra.address)).toBe(false)
    }, timeout * 2)
  })
}
