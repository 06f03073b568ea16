/**
 * A reusable compliance suite for {@link Router} implementations, in the spirit of js-libp2p's
 * interface-compliance-tests. Call it from a jest test file of the implementing package:
 *
 * ```ts
 * import { routerComplianceTests } from '@pokt-p2p/testing/compliance'
 * routerComplianceTests('raintree over in-process transport', {
 *   async setup (n) { ... return { routers, peers } },
 *   async teardown () { ... }
 * })
 * ```
 *
 * A complete, runnable use is the package's `examples/router-compliance.ts`.
 *
 * Beyond the {@link Router} interface, the suite requires that a message received through `send` carries the
 * authenticated sender's address in `from` (every `MessageTransport` hands it to the router), and that every
 * message received carries the `nonce` and `content` of the envelope that was sent (the router checks each envelope
 * once, with `checkEnvelope`, and hands over what it found).
 *
 * "Nothing else arrived" is proven without sleeping: after the message under test, the suite sends markers along the
 * same paths (`send`, and `broadcast` where the message under test could have leaked into it) and waits until they
 * arrived, so anything sent before them had its chance to arrive first. Factories over an `InProcessNetwork`
 * also pass `idle`, which makes the check exact.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  UnknownPeerError, createAny, createPeer, encodePocketEnvelope, generateIdentity, type Any, type Peer, type Router,
  type RouterMessage
} from '@pokt-p2p/types'

/** The routers a {@link RouterComplianceFactory} set up, and who each is. */
export interface RouterNetwork {
  /** started routers that all know each other */
  routers: Router[]
  /** `peers[i]` is the identity of `routers[i]` */
  peers: Peer[]
}

/** How the suite creates and releases networks of the router under test. */
export interface RouterComplianceFactory {
  /** Creates `n` started routers, each knowing the other `n - 1`. */
  setup (n: number): Promise<RouterNetwork>
  /** Releases everything `setup` created. */
  teardown (): Promise<void>
  /** Upper bound for a message to arrive, ms. @default 10000 */
  deliveryTimeoutMs?: number
  /** Size of the network used for broadcast tests. @default 5 */
  nodes?: number
  /**
   * Resolves once no message is in flight and no handler is running in the network `setup` created last
   * (`() => net.idle()` for an `InProcessNetwork`). Optional: without it the suite relies on the markers alone.
   */
  idle?: () => Promise<void>
}

/** A message the suite sends: the envelope bytes, and the nonce and content they carry. */
interface Sent {
  bytes: Uint8Array
  nonce: bigint
  content: Any
}

let nonce = 1n
function envelope (text: string): Uint8Array {
  return sent(text).bytes
}

function sent (text: string): Sent {
  const content = createAny('type.googleapis.com/test.Compliance', new TextEncoder().encode(text))
  const n = nonce++
  return { bytes: encodePocketEnvelope(content, n), nonce: n, content }
}

/**
 * What a received message must say about the envelope that was sent: the router checked it once
 * (`checkEnvelope`) and hands over its nonce and content, so nothing downstream decodes it again.
 */
function expectCarries (m: RouterMessage, expected: Sent): void {
  expect({ nonce: m.nonce, typeUrl: m.content.typeUrl, value: Buffer.from(m.content.value).toString('hex') }).toEqual({
    nonce: expected.nonce, typeUrl: expected.content.typeUrl, value: Buffer.from(expected.content.value).toString('hex')
  })
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0
}

/** The next `message` event of `router` carrying `data`; rejects, naming `what`, after `timeoutMs` (a safety net). */
async function nextMessage (router: Router, data: Uint8Array, timeoutMs: number, what = 'the message'): Promise<RouterMessage> {
  try {
    return await router.events.once('message', {
      signal: AbortSignal.timeout(timeoutMs),
      filter: m => sameBytes(m.data, data)
    })
  } catch (err) {
    throw new Error(`${what} did not reach a ${router.name} router within ${timeoutMs} ms`, { cause: err })
  }
}

/**
 * Sends a fresh marker from `routers[from]` to each router of `to` with `send`, and (when `broadcast`) broadcasts
 * another from `routers[from]`; resolves once every marker arrived everywhere it was sent.
 */
async function markers (network: RouterNetwork, from: number, to: number[], broadcast: boolean, timeoutMs: number): Promise<void> {
  const { routers, peers } = network
  const sender = routers[from] as Router
  const waits: Array<Promise<RouterMessage>> = []
  // every arrival is awaited below; the no-op handlers only keep a send failure from leaving them unhandled
  const arrivalOf = (r: Router, marker: Uint8Array, what: string): void => {
    const arrival = nextMessage(r, marker, timeoutMs, what)
    arrival.catch(() => {})
    waits.push(arrival)
  }
  for (const i of to) {
    const marker = envelope(`marker to ${i}`)
    arrivalOf(routers[i] as Router, marker, `the marker sent to router ${i}`)
    await sender.send(marker, (peers[i] as Peer).address)
  }
  if (broadcast) {
    const marker = envelope('marker broadcast')
    routers.forEach((r, i) => { if (i !== from) arrivalOf(r, marker, `the marker broadcast to router ${i}`) })
    await sender.broadcast(marker)
  }
  await Promise.all(waits)
}

/**
 * Declares the compliance tests (jest `describe`/`it`) for one router implementation. Call it at the top level of a
 * jest test file; `@jest/globals` must be installed (it is an optional peer dependency of this package).
 * @param name - the `describe` title, e.g. `raintree over in-process transport`
 * @param factory - creates and releases the networks the tests run on
 */
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

    it('broadcast reaches every other router with identical bytes, their nonce and content', async () => {
      const { routers } = await factory.setup(n)
      const message = sent('broadcast')
      const data = message.bytes
      const waits = routers.slice(1).map(async (r, i) => await nextMessage(r, data, timeout, `the broadcast to router ${i + 1}`))
      waits.forEach(w => { w.catch(() => {}) }) // awaited below; only a broadcast that throws leaves them unawaited
      await (routers[0] as Router).broadcast(data)
      const got = await Promise.all(waits)
      expect(got).toHaveLength(n - 1)
      for (const m of got) {
        expect(sameBytes(m.data, data)).toBe(true)
        expectCarries(m, message)
      }
    }, timeout * 3)

    it('send delivers to exactly the addressed peer, naming the sender, with the nonce and content sent', async () => {
      const network = await factory.setup(3)
      const { routers, peers } = network
      const message = sent('direct')
      const data = message.bytes
      const received: Array<[number, RouterMessage]> = []
      routers.forEach((r, i) => r.events.on('message', m => { if (sameBytes(m.data, data)) received.push([i, m]) }))
      await (routers[0] as Router).send(data, (peers[2] as Peer).address)
      // a copy to router 1 or back to router 0, by unicast or by broadcast, would arrive before these markers
      await markers(network, 0, [1, 2], true, timeout)
      await factory.idle?.()
      expect(received.map(([i]) => i)).toEqual([2])
      const [[, m]] = received as [[number, RouterMessage]]
      expect(m.from).toBe((peers[0] as Peer).address)
      expect(m.router).toBe((routers[2] as Router).name)
      expectCarries(m, message)
    }, timeout * 3)

    it('send to an unknown address throws UnknownPeerError', async () => {
      const { routers } = await factory.setup(2)
      const stranger = createPeer(generateIdentity().publicKey, '127.0.0.1:1')
      const err = await (routers[0] as Router).send(envelope('x'), stranger.address).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).name).toBe(UnknownPeerError.name)
    }, timeout * 2)

    it('send to self is a no-op', async () => {
      const network = await factory.setup(2)
      const { routers, peers } = network
      const data = envelope('self')
      let delivered = 0
      routers.forEach(r => r.events.on('message', m => { if (sameBytes(m.data, data)) delivered++ }))
      await (routers[0] as Router).send(data, (peers[0] as Peer).address)
      // a copy looped back through the network would arrive at router 0 before a marker sent to it afterwards
      await markers(network, 1, [0], false, timeout)
      await factory.idle?.()
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
