/**
 * @packageDocumentation
 *
 * RainTree structured gossip among staked actors, in two layers:
 *
 * - a **pure core** (`@pokt-p2p/raintree/core`, also re-exported here): which view indices get which message at
 *   which level, in `reference` mode (bit-for-bit the Go implementation, including its float arithmetic) or
 *   `complete` mode (every node exactly once, N − 1 messages, depth ≤ ⌈log₃ N⌉), plus a simulator over one shared
 *   sorted list;
 * - a **router** ({@link RainTreeRouter}) implementing the `Router` contract of `@pokt-p2p/types` over any
 *   `MessageTransport` — libp2p unicast on `pokt/raintree/v1.0.0` from `@pokt-p2p/transport`, or the in-process
 *   network.
 *
 * @example
 * ```ts
 * import { InProcessNetwork, createPeer, testIdentity, encodePocketEnvelope, createAny } from '@pokt-p2p/types'
 * import { rainTree } from '@pokt-p2p/raintree'
 *
 * const ids = [1, 2, 3, 4].map(testIdentity)
 * const peers = ids.map(id => createPeer(id.publicKey))
 * const net = new InProcessNetwork()
 * const routers = ids.map(id => rainTree({ mode: 'complete' })({
 *   selfAddress: id.address,
 *   transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }),
 *   peers
 * }))
 * await Promise.all(routers.map(r => r.start()))
 * routers[1].events.on('message', m => console.log('got', m.data.length, 'bytes from', m.from))
 * await routers[0].broadcast(encodePocketEnvelope(createAny('type.googleapis.com/demo.Hello'), 1n))
 * await net.idle() // every other node received it exactly once
 * ```
 */
export * from './core/index.js'
export * from './router.js'
export { RAINTREE_PROTOCOL_ID } from '@pokt-p2p/types'
