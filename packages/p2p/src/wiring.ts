import {
  NotStartedError, type AbortOptions, type Address, type ComponentLogger, type Identity, type Metrics, type Peer,
  type RemoteSender, type Router
} from '@pokt-p2p/types'
import {
  createNode, memoryMultiaddr, messageTransport, RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID, serviceUrlToMultiaddr,
  ServiceUrlHosts, type Libp2p, type Libp2pMessageTransport, type LinkOptions, type Multiaddr
} from '@pokt-p2p/transport'
import { rainTree, type RainTreeInit } from '@pokt-p2p/raintree'
import { background, backgroundServices, type BackgroundInit } from '@pokt-p2p/background'
import { raceSignal } from 'race-signal'
import { NoRouterError } from './errors.js'
import type { P2PConfig } from './config.js'
import type { RouterRole } from './events.js'
import { declaredServices, withServices, type RouterComponents, type RouterFactory } from './router-factory.js'

/** The default staked-actor router: RainTree in `config.raintree_mode`, tuned by `raintree`. */
export function defaultStakedRouter (config: P2PConfig, raintree: Omit<RainTreeInit, 'mode'> = {}): RouterFactory {
  return rainTree({ ...raintree, mode: config.raintree_mode })
}

/**
 * The default router for every participant: the background router, declaring the gossipsub and kad-dht services
 * it needs. Client-only nodes run the DHT in client mode; a loopback or memory network keeps private addresses
 * and exempts loopback from gossipsub's IP colocation penalty. `background` overrides any of these.
 */
export function defaultUnstakedRouter (config: P2PConfig, init: BackgroundInit = {}): RouterFactory {
  const allowLoopback = config.allow_loopback || config.connection_type === 'memory'
  const resolved: BackgroundInit = {
    clientMode: config.is_client_only,
    ...(allowLoopback ? { privateAddresses: true, ipColocationWhitelist: ['127.0.0.1', '::1'] } : {}),
    ...init
  }
  return withServices(background(resolved), backgroundServices(resolved))
}

/** What {@link Wiring} builds from. */
export interface WiringInit {
  /** the validated configuration */
  config: P2PConfig
  /** this node's identity (its key is the libp2p key) */
  identity: Identity
  /** given to the node, the transport and the routers */
  logger: ComponentLogger
  /** libp2p's metrics factory, given to `createNode`; its `node.metrics` goes to the transport and the routers */
  metrics?: (components: { logger: ComponentLogger }) => Metrics
  /** the emulated link of a memory node (`P2PInit.link`) */
  link?: LinkOptions
  /** `P2PInit.connectionMonitor` */
  connectionMonitor?: boolean
  /** builds the staked-actor router */
  stakedRouter: RouterFactory
  /** builds the router for every participant; `null` for none */
  unstakedRouter: RouterFactory | null
  /**
   * Called with each router after it is created and before it starts, with a signal that aborts when the wiring
   * stops (to listen to the router's events until then).
   */
  onRouter: (role: RouterRole, router: Router, signal: AbortSignal) => void
}

/**
 * The parts of one run of the module: a libp2p node carrying the services the router factories declared, the
 * unicast transport over it, and the routers built from the factories. One per start; `stop()` releases whatever
 * was built, also after a start that failed or was cancelled half-way.
 */
export class Wiring {
  readonly #init: WiringInit
  readonly #listeners = new AbortController()
  #node: Libp2p | undefined
  #transport: Libp2pMessageTransport | undefined
  #staked: Router | undefined
  #unstaked: Router | undefined
  /** the staked set the routers were last started with, until the staked router holds the live one */
  #startPeers: ReadonlyMap<Address, Peer> = new Map()
  /** the staked set's IPs: reserved inbound capacity (issue 15 item 1) */
  readonly #stakedHosts = new ServiceUrlHosts(() => this.#stakedPeers().map(p => p.serviceUrl))

  /** @param init - what to build from */
  constructor (init: WiringInit) {
    this.#init = init
  }

  /** The libp2p node, once created. */
  get node (): Libp2p | undefined {
    return this.#node
  }

  /** The unicast transport, once the node started. */
  get transport (): Libp2pMessageTransport | undefined {
    return this.#transport
  }

  /** The routers created so far. */
  get routers (): { staked?: Router, unstaked?: Router } {
    return { staked: this.#staked, unstaked: this.#unstaked }
  }

  /** Creates and starts the node with every service the router factories declared, and the transport over it. */
  async openNode (options: Required<AbortOptions>): Promise<Libp2p> {
    const { config, identity, logger, metrics, link, connectionMonitor, stakedRouter, unstakedRouter } = this.#init
    const node = await createNode({
      ...(link === undefined ? {} : { link }),
      ...(connectionMonitor === undefined ? {} : { connectionMonitor }),
      identity,
      transport: config.connection_type,
      hostname: config.hostname,
      port: config.port,
      allowLoopback: config.allow_loopback || config.connection_type === 'memory',
      // staked peers' IPs get connection capacity of their own: outsiders' silent sockets cannot lock them out
      reservedHost: ip => this.#stakedHosts.has(ip),
      services: declaredServices([stakedRouter, unstakedRouter]),
      logger,
      metrics
    })
    this.#node = node
    await node.start()
    options.signal.throwIfAborted()
    this.#transport = messageTransport({
      resolveAddresses: this.#resolveAddresses,
      // RainTree is among staked peers: an outsider's RainTree stream is refused before any byte of it is buffered
      // (unless the staked router takes messages from outside the staked set: `acceptFromUnknownPeers`)
      admitInbound: (protocol, from) => !this.#stakedProtocols().has(protocol) || this.#isStaked(from) || this.#acceptsUnknownSenders(),
      // and their messages (any protocol) may use the whole inbound budget, outsiders only their share of it
      priorityPeer: from => this.#isStaked(from)
    })({ node, logger, metrics: node.metrics })
    return node
  }

  /**
   * Creates the router of `role` from its factory with the staked set `peers`, and starts it. A router's `start()`
   * takes no signal: an abort stops waiting for it, and `stop()` stops it.
   */
  async startRouter (role: RouterRole, peers: Peer[], options: AbortOptions = {}): Promise<Router> {
    const node = this.#node
    const transport = this.#transport
    if (node === undefined || transport === undefined) throw new NotStartedError(`cannot start the ${role} router: the node is not open`)
    const factory = role === 'staked' ? this.#init.stakedRouter : this.#init.unstakedRouter
    if (factory === null) throw new NoRouterError(`the ${role} router is disabled`)
    this.#startPeers = new Map(peers.map(p => [p.address, p]))
    void this.#stakedHosts.refresh()
    const { identity, logger } = this.#init
    const components: RouterComponents = {
      node,
      transport,
      identity,
      selfAddress: identity.address,
      peers,
      isStaked: address => this.#isStakedAddress(address),
      resolveAddresses: this.#resolveAddresses,
      logger,
      metrics: node.metrics
    }
    const router = factory(components)
    if (role === 'staked') this.#staked = router
    else this.#unstaked = router
    this.#init.onRouter(role, router, this.#listeners.signal)
    await raceSignal(router.start(), options.signal)
    return router
  }

  /** Stops the routers, the transport and the node; throws the first router's stop error, after all of it. */
  async stop (): Promise<void> {
    this.#listeners.abort()
    const results = await Promise.allSettled([this.#staked, this.#unstaked].map(async r => { await r?.stop() }))
    await this.#transport?.close().catch(() => {})
    try {
      await this.#node?.stop()
    } finally {
      this.#node = this.#transport = this.#staked = this.#unstaked = undefined
    }
    const failed = results.find(r => r.status === 'rejected')
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
  }

  /** The staked set now: the staked router's (kept up to date at each height), else the one routers started with. */
  #stakedPeers (): Peer[] {
    return this.#staked?.getPeerstore().getPeerList() ?? [...this.#startPeers.values()]
  }

  #isStaked (from: RemoteSender): boolean {
    return this.#isStakedAddress(from.address)
  }

  #isStakedAddress (address: Address): boolean {
    return this.#staked?.getPeerstore().has(address) ?? this.#startPeers.has(address)
  }

  /** Whether the staked router takes messages from senders outside the staked set (RainTree's `acceptFromUnknownPeers`). */
  #acceptsUnknownSenders (): boolean {
    return (this.#staked as { acceptsUnknownSenders?: boolean } | undefined)?.acceptsUnknownSenders === true
  }

  /** The protocols of the staked router (RainTree's two by default), open to staked senders only. */
  #stakedProtocols (): ReadonlySet<string> {
    const protocols = (this.#staked as { protocols?: readonly string[] } | undefined)?.protocols
    if (protocols !== this.#protocolsOf) {
      this.#protocolsOf = protocols
      this.#protocolSet = new Set(protocols ?? [RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID])
    }
    return this.#protocolSet
  }

  #protocolsOf: readonly string[] | undefined
  #protocolSet: ReadonlySet<string> = new Set([RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID])

  /** memory networks listen on `/memory/<address>`; TCP peers on their service URL */
  readonly #resolveAddresses = async (peer: Peer): Promise<Multiaddr[]> =>
    this.#init.config.connection_type === 'memory' ? [memoryMultiaddr(peer.address)] : [await serviceUrlToMultiaddr(peer.serviceUrl)]
}
