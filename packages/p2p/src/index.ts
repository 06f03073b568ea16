/**
 * @packageDocumentation
 *
 * The Pocket P2P module: a thin composer over `@pokt-p2p/transport` (one libp2p node), the staked-actor router
 * (`@pokt-p2p/raintree` by default), the router for every participant (`@pokt-p2p/background` by default) and the
 * providers (`@pokt-p2p/providers`). It wraps content in `PocketEnvelope`s with fresh nonces, de-duplicates what
 * the routers deliver by nonce and content, and emits each message once on a typed event bus. Routers are
 * factories (`(components) => Router`) that may declare the libp2p services they need; logs go to `pokt:p2p`, and
 * figures to the libp2p `metrics` registry it is given. It re-exports `@pokt-p2p/types`, so most users need only
 * this package.
 *
 * @example
 * ```ts
 * import { anyOf, createP2P, createPeer, testIdentity, type P2PModule } from '@pokt-p2p/p2p'
 * import { staticProviders } from '@pokt-p2p/providers'
 *
 * // two staked validators in one process (libp2p memory transport), with the default routers: RainTree among the
 * // staked, the background router (gossipsub) for everyone
 * const identities = [1, 2].map(seed => testIdentity(seed))
 * const providers = staticProviders({ height: 1n, staked: identities.map(id => createPeer(id.publicKey)) })()
 * const [alice, bob] = identities.map(identity => createP2P({
 *   config: { private_key: identity.privateKeyHex, connection_type: 'memory' },
 *   currentHeightProvider: providers,
 *   peerstoreProvider: providers
 * })) as [P2PModule, P2PModule]
 * await Promise.all([alice.start(), bob.start()])
 *
 * // both routers carry the broadcast; bob's module hands it to him once
 * const received = bob.events.once('message', { signal: AbortSignal.timeout(10_000) })
 * await alice.broadcast(anyOf('pocket.DebugMessage', new TextEncoder().encode('hello')))
 * const { content } = await received
 * console.log(`bob got ${content.typeUrl}: ${new TextDecoder().decode(content.value)}`)
 *
 * await Promise.all([alice.stop(), bob.stop()])
 * ```
 */

export * from '@pokt-p2p/types'
export * from './config.js'
export * from './errors.js'
export * from './events.js'
export * from './init.js'
export { P2P_METRICS } from './metrics.js'
export * from './router-factory.js'
export { defaultStakedRouter, defaultUnstakedRouter } from './wiring.js'
export * from './p2p.js'
