import {
  InvalidConfigError, type Address, type ComponentLogger, type Identity, type MessageTransport, type Metrics,
  type Peer, type Router
} from '@pokt-p2p/types'
import type { Libp2p, Multiaddr, NodeInit } from '@pokt-p2p/transport'

/**
 * What a router factory is given, js-libp2p style: every dependency a router of this module may need. A factory
 * takes the ones it uses, so `rainTree(init)` and `background(init)` are router factories as they are.
 */
export interface RouterComponents {
  /** the libp2p node (started), carrying the services the factories declared ({@link RouterFactory.services}) */
  node: Libp2p
  /** unicast over `node`, with the module's size and time limits */
  transport: MessageTransport
  /** this node's identity */
  identity: Identity
  /** this node's pocket address */
  selfAddress: Address
  /** the staked set at the height the router starts at (includes self when this node is staked) */
  peers: Peer[]
  /**
   * whether an address is in the staked set now (kept current at each height once the staked router runs): the
   * background router limits the gossip rate of everyone else
   */
  isStaked: (address: Address) => boolean
  /** where a peer listens (the transport uses the same function) */
  resolveAddresses: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
  /** the module's logger (the router logs under its own namespace, e.g. `pokt:raintree`) */
  logger: ComponentLogger
  /** the node's metrics, when the module was given a `metrics` factory */
  metrics?: Metrics
}

/** libp2p service factories by service name, as `createNode({ services })` takes them. */
export type RouterServices = NonNullable<NodeInit['services']>

/**
 * Builds a router; the module starts and stops it. A factory that needs libp2p services on the node (the background
 * router needs gossipsub and kad-dht) declares them in `services`: the module merges the services of both its
 * routers into the node it creates, before either router exists (a node joins RainTree on a later height without a
 * new node). Attach them with {@link withServices}.
 */
export interface RouterFactory {
  /** Creates the router (not started). */
  (components: RouterComponents): Router
  /** libp2p services the router needs on the node, by name. @default none */
  readonly services?: RouterServices
}

/**
 * `factory` declaring the libp2p `services` its routers need.
 * @example
 * ```ts
 * const unstakedRouter = withServices(background(init), backgroundServices(init))
 * ```
 */
export function withServices (factory: (components: RouterComponents) => Router, services: RouterServices): RouterFactory {
  return Object.assign((components: RouterComponents) => factory(components), { services })
}

/**
 * The services every factory declared, merged.
 * @throws {InvalidConfigError} when two factories declare different services under one name
 */
export function declaredServices (factories: Array<RouterFactory | null>): RouterServices {
  const merged: RouterServices = {}
  for (const factory of factories) {
    for (const [name, service] of Object.entries(factory?.services ?? {})) {
      if (merged[name] !== undefined && merged[name] !== service) {
        throw new InvalidConfigError('services', `both routers declare a different libp2p service named ${JSON.stringify(name)}`)
      }
      merged[name] = service
    }
  }
  return merged
}
