import '@pokt-p2p/transport/polyfill'
import {
  AnySchema, ConsensusNewHeightEventSchema, InvalidNonceError, MessageDecodeError, NonceDeduper, NotStartedError,
  StateMachineTransitionEventSchema, TypedEventTarget, UnknownPeerError, anyMessageName, create, decodeMessage,
  decodePocketEnvelope, encodePocketEnvelope, generateNonce, identityFromPrivateKeyHex, peerListDelta,
  type Address, type AbortOptions, type Any, type CurrentHeightProvider, type Identity, type MessageTransport,
  type Peer, type PeerstoreProvider, type Router, type RouterMessage
} from '@pokt-p2p/types'
import { Libp2pMessageTransport, createNode, memoryMultiaddr, serviceUrlToMultiaddr, type Libp2p, type Multiaddr } from '@pokt-p2p/transport'
import { rainTree, type RainTreeInit } from '@pokt-p2p/raintree'
import { background, backgroundServices, type BackgroundInit } from '@pokt-p2p/background'
import { bootstrap as bootstrapFromRpc, parseBootstrapNodes } from '@pokt-p2p/providers'
import { parseP2PConfig, type P2PConfig } from './config.js'
import { BootstrapFailedError, NoRouterError, StartError, UnknownEventTypeError } from './errors.js'

/** What a router factory gets: the running node and the staked set at start. */
export interface RouterComponents {
  /** the libp2p node (started) */
  node: Libp2p
  /** unicast over `node`, with the module's size and time limits */
  transport: MessageTransport
  /** this node's identity */
  identity: Identity
  /** this node's pocket address */
  selfAddress: Address
  /** the staked set at the start height (includes self when this node is staked) */
  stakedPeers: Peer[]
  /** where a peer listens (the transport uses the same function) */
  resolveAddresses: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
}

/** Builds a router; the module starts and stops it. */
export type RouterFactory = (components: RouterComponents) => Router

/** Everything {@link P2PModule} (and `createP2P`) needs: the configuration, the providers and optional routers. */
export interface P2PInit {
  /** reference `P2PConfig` fields (snake_case) plus ours; validated with `parseP2PConfig` */
  config: Partial<P2PConfig> & {
    /** 128 hex characters: ed25519 seed ‖ public key (the only required field) */
    private_key: string
  }
  /** tells the current height at start and announces new heights */
  currentHeightProvider: CurrentHeightProvider
  /** tells the staked set at a height */
  peerstoreProvider: PeerstoreProvider
  /** the staked-actor router. @default RainTree (`@pokt-p2p/raintree`) in `config.raintree_mode` */
  stakedRouter?: RouterFactory
  /**
   * The router for every participant. `null` runs without one: staked nodes then use RainTree only, and an
   * unstaked node can neither broadcast nor send.
   * @default the background router (`@pokt-p2p/background`)
   */
  unstakedRouter?: RouterFactory | null
  /** advanced tuning of the default RainTree router */
  raintree?: Omit<RainTreeInit, 'mode'>
  /** advanced tuning of the default background router */
  background?: BackgroundInit
  /**
   * Deliver this node's own broadcasts to its own `message` listeners. The reference did so inconsistently (always
   * through gossipsub, through RainTree only for some network sizes); here it is a choice, applied exactly once.
   * @default false
   */
  deliverOwnBroadcasts?: boolean
}

/** A message delivered to the application: the envelope's content, nonce stripped, exactly once per nonce. */
export interface P2PMessage {
  /** the envelope's content: an `Any` whose type URL says what it is */
  content: Any
  /** router that delivered the first copy */
  router: string
  /** authenticated sender of the last hop, when the router knows it */
  from?: Address
}

/** Events of a {@link P2PModule}, by type: the `detail` each carries. */
export interface P2PEvents extends Record<string, unknown> {
  /** a message for the application, once per nonce */
  message: P2PMessage
  /** a copy of an already delivered nonce arrived (reference: redundancy telemetry) */
  duplicate: {
    /** the envelope's nonce */
    nonce: bigint
    /** the router the copy came from */
    router: string
    /** sender of the copy's last hop, when the router knows it (this node, for the echo of its own broadcast) */
    from?: Address
  }
  /** an envelope from a router was rejected */
  invalid: {
    /** the router it came from */
    router: string
    /** why it was rejected (e.g. `MessageDecodeError`, `InvalidNonceError`) */
    error: Error
  }
  /** `P2P_Bootstrapping` was handled (reference: `P2P_IsBootstrapped` to the state machine) */
  bootstrapped: {
    /** size of the staked peerstore afterwards */
    stakedPeers: number
    /** where the peers came from: `peerstore` when the router already had some, else the bootstrap RPC URL */
    source: string
  }
  /** a new height changed the staked set */
  'peers:updated': {
    /** the new height */
    height: bigint
    /** peers staked at it that were not before */
    added: Peer[]
    /** peers no longer staked at it */
    removed: Peer[]
  }
  /**
   * a router was created and is about to start: listen to its own events here to see them from the beginning
   * (e.g. the background router's bootstrap events, which fire before `start()` resolves)
   */
  'router:created': {
    /** which of the module's routers it is */
    role: 'staked' | 'unstaked'
    /** the router */
    router: Router
  }
  /** one router's broadcast failed while another's succeeded (when all fail, `broadcast()` throws instead) */
  'broadcast:failed': {
    /** the router whose broadcast failed */
    router: string
    /** its error */
    error: Error
  }
}

/** Counters of a {@link P2PModule} (the same object is updated in place). */
export interface P2PStats {
  /** `broadcast()` calls */
  broadcasts: number
  /** `send()` calls */
  sends: number
  /** messages delivered to the application (`message` events) */
  delivered: number
  /** copies of already delivered nonces dropped */
  duplicates: number
  /** envelopes rejected (`invalid` events) */
  invalid: number
}

/** Reference state-machine strings (`StateMachineState_P2P_Bootstrapping`). */
export const P2P_BOOTSTRAPPING_STATE = 'P2P_Bootstrapping'
const NEW_HEIGHT_EVENT = 'pocket.ConsensusNewHeightEvent'
const STATE_TRANSITION_EVENT = 'pocket.StateMachineTransitionEvent'

/**
 * The Pocket P2P module (reference `p2pModule`): one libp2p node, the staked-actor router (RainTree) for staked
 * nodes, the unstaked-actor router (background) for everyone, envelopes with nonces, and de-duplication.
 */
export class P2PModule {
  /** The validated configuration, defaults filled in. */
  readonly config: P2PConfig
  /** This node's identity, from `config.private_key`. */
  readonly identity: Identity
  /** `message`, `duplicate`, `invalid`, bootstrap and router events (see {@link P2PEvents}). */
  readonly events = new TypedEventTarget<P2PEvents>()
  /** Live counters. */
  readonly stats: P2PStats = { broadcasts: 0, sends: 0, delivered: 0, duplicates: 0, invalid: 0 }
  readonly #init: P2PInit
  readonly #deduper: NonceDeduper
  #node: Libp2p | undefined
  #transport: Libp2pMessageTransport | undefined
  #staked: Router | undefined
  #unstaked: Router | undefined
  #isStaked = false
  #starting: Promise<void> | undefined
  #stopping: Promise<void> | undefined
  #listeners: AbortController | undefined

  /**
   * Validates the configuration; nothing runs until {@link P2PModule.start}.
   * @param init - configuration, providers and routers
   * @throws {InvalidConfigError} for an invalid configuration or private key
   */
  constructor (init: P2PInit) {
    this.config = parseP2PConfig(init.config)
    this.identity = identityFromPrivateKeyHex(this.config.private_key)
    this.#deduper = new NonceDeduper(this.config.max_nonces)
    this.#init = init
  }

  /** This node's pocket address. */
  getAddress (): Address {
    return this.identity.address
  }

  /** Whether the module is running: started, and neither starting nor stopping. */
  isStarted (): boolean {
    return this.#node !== undefined && this.#starting === undefined && this.#stopping === undefined
  }

  /** Whether this node was in the staked set at the last height it looked at. */
  isStaked (): boolean {
    return this.#isStaked
  }

  /** The running routers (undefined before start; `staked` is undefined on unstaked nodes). */
  get routers (): {
    /** the staked-actor router (RainTree by default), on staked nodes */
    staked?: Router
    /** the router for every participant (background by default) */
    unstaked?: Router
  } {
    return { staked: this.#staked, unstaked: this.#unstaked }
  }

  /** The libp2p node, once started. */
  get node (): Libp2p | undefined {
    return this.#node
  }

  /** Unicast statistics of the libp2p transport, once started. */
  get transport (): Libp2pMessageTransport | undefined {
    return this.#transport
  }

  /** Starts the node and its routers. Concurrent and repeated calls share one start. */
  async start (): Promise<void> {
    if (this.#starting !== undefined) return await this.#starting
    await this.#stopping?.catch(() => {})
    if (this.#starting !== undefined) return await this.#starting
    if (this.#node !== undefined) return
    this.#starting = this.#start().finally(() => { this.#starting = undefined })
    await this.#starting
  }

  async #start (): Promise<void> {
    const { config, identity } = this
    const init = this.#init
    const memory = config.connection_type === 'memory'
    const allowLoopback = config.allow_loopback || memory
    let node: Libp2p | undefined
    try {
      const height = await init.currentHeightProvider.currentHeight()
      const stakedPeers = (await init.peerstoreProvider.getStakedPeerstoreAtHeight(height)).getPeerList()
      this.#isStaked = !config.is_client_only && stakedPeers.some(p => p.address === identity.address)

      const backgroundInit: BackgroundInit = {
        clientMode: config.is_client_only,
        ...(allowLoopback ? { privateAddresses: true, ipColocationWhitelist: ['127.0.0.1', '::1'] } : {}),
        ...init.background
      }
      node = await createNode({
        identity,
        transport: memory ? 'memory' : 'tcp',
        hostname: config.hostname,
        port: config.port,
        allowLoopback,
        services: init.unstakedRouter === undefined ? { ...backgroundServices(backgroundInit) } : {}
      })
      this.#node = node
      await node.start()
      const transport = new Libp2pMessageTransport(node, { resolveAddresses: this.#resolveAddresses })
      this.#transport = transport
      const components: RouterComponents = { node, transport, identity, selfAddress: identity.address, stakedPeers, resolveAddresses: this.#resolveAddresses }

      const unstakedFactory = init.unstakedRouter !== undefined
        ? init.unstakedRouter
        : ((c: RouterComponents) => background(backgroundInit)({ node: c.node, transport: c.transport, selfAddress: c.selfAddress, peers: c.stakedPeers, resolveAddresses: c.resolveAddresses }))
      this.#listeners = new AbortController()
      if (unstakedFactory !== null) {
        this.#unstaked = unstakedFactory(components)
        await this.#attach(this.#unstaked, 'unstaked')
      }
      if (this.#isStaked) await this.#startStakedRouter(stakedPeers)
    } catch (err) {
      this.#listeners?.abort()
      await Promise.allSettled([this.#staked, this.#unstaked].map(async r => { await r?.stop() }))
      await Promise.resolve(this.#transport?.close()).catch(() => {})
      await Promise.resolve(node?.stop()).catch(() => {})
      this.#node = this.#transport = this.#staked = this.#unstaked = undefined
      throw new StartError(`p2p module failed to start: ${(err as Error).message}`, { cause: err })
    }
  }

  async #attach (router: Router, role: 'staked' | 'unstaked'): Promise<void> {
    router.events.on('message', m => { this.#handleRouterMessage(m) }, { signal: this.#listeners?.signal })
    this.events.dispatch('router:created', { role, router })
    await router.start()
  }

  async #startStakedRouter (stakedPeers: Peer[]): Promise<Router> {
    const node = this.#node as Libp2p
    const transport = this.#transport as Libp2pMessageTransport
    const { identity } = this
    const factory = this.#init.stakedRouter ?? this.#defaultStakedRouter
    const router = factory({ node, transport, identity, selfAddress: identity.address, stakedPeers, resolveAddresses: this.#resolveAddresses })
    this.#staked = router
    await this.#attach(router, 'staked')
    return router
  }

  /** memory networks listen on `/memory/<address>`; TCP peers on their service URL */
  readonly #resolveAddresses = async (peer: Peer): Promise<Multiaddr[]> =>
    this.config.connection_type === 'memory' ? [memoryMultiaddr(peer.address)] : [await serviceUrlToMultiaddr(peer.serviceUrl)]

  readonly #defaultStakedRouter: RouterFactory = c => rainTree({ ...this.#init.raintree, mode: this.config.raintree_mode })({
    selfAddress: c.selfAddress, transport: c.transport, peers: c.stakedPeers
  })

  /** Stops the routers and the node. Concurrent and repeated calls share one stop. */
  async stop (): Promise<void> {
    if (this.#stopping !== undefined) return await this.#stopping
    await this.#starting?.catch(() => {})
    if (this.#stopping !== undefined) return await this.#stopping
    if (this.#node === undefined) return
    this.#stopping = this.#stop().finally(() => { this.#stopping = undefined })
    await this.#stopping
  }

  async #stop (): Promise<void> {
    const node = this.#node as Libp2p
    this.#listeners?.abort()
    const results = await Promise.allSettled([this.#staked, this.#unstaked].map(async r => { await r?.stop() }))
    await Promise.resolve(this.#transport?.close()).catch(() => {})
    try {
      await node.stop()
    } finally {
      this.#node = this.#transport = this.#staked = this.#unstaked = undefined
    }
    const failed = results.find(r => r.status === 'rejected')
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
  }

  #requireStarted (what: string): { routers: Router[], unstaked?: Router } {
    if (this.#node === undefined || this.#starting !== undefined) {
      throw new NotStartedError(`${what}: the p2p module is not started`)
    }
    const routers: Router[] = []
    if (this.#isStaked && this.#staked !== undefined) routers.push(this.#staked)
    if (this.#unstaked !== undefined) routers.push(this.#unstaked)
    if (routers.length === 0) throw new NoRouterError(`${what}: this node has no router to use (unstaked, and the background router is disabled)`)
    return { routers, unstaked: this.#unstaked }
  }

  /**
   * Wraps `content` in a `PocketEnvelope` with a fresh nonce and sends it through RainTree (staked nodes) and the
   * background router (every node). Both routers are tried; if both fail the errors are joined.
   */
  async broadcast (content: Any, options: AbortOptions = {}): Promise<void> {
    const { routers: targets } = this.#requireStarted('broadcast')
    const nonce = generateNonce()
    const bytes = encodePocketEnvelope(content, nonce)
    this.#deduper.checkAndInsert(nonce)
    if (this.#init.deliverOwnBroadcasts === true) this.#deliver(content, 'self', this.identity.address)
    this.stats.broadcasts++
    const results = await Promise.allSettled(targets.map(async r => { await r.broadcast(bytes, options) }))
    const errors = results.flatMap(r => r.status === 'rejected' ? [r.reason as Error] : [])
    if (errors.length === targets.length) {
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, `broadcast failed on every router: ${errors.map(e => e.message).join('; ')}`)
    }
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.events.dispatch('broadcast:failed', { router: (targets[i] as Router).name, error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)) })
    })
  }

  /**
   * Sends `content` to one address: through the staked router when this node is staked, falling back to the
   * background router only when the staked router does not know the address (`UnknownPeerError`). Every other
   * error reaches the caller (the reference swallowed them).
   */
  async send (address: Address, content: Any, options: AbortOptions = {}): Promise<void> {
    const { unstaked } = this.#requireStarted('send')
    const bytes = encodePocketEnvelope(content, generateNonce())
    this.stats.sends++
    if (this.#isStaked && this.#staked !== undefined) {
      try {
        await this.#staked.send(bytes, address, options)
        return
      } catch (err) {
        if ((err as Error)?.name !== UnknownPeerError.name || unstaked === undefined) throw err
      }
    }
    if (unstaked === undefined) throw new NoRouterError('send: this node is unstaked and the background router is disabled')
    await unstaked.send(bytes, address, options)
  }

  /**
   * Handles a node event (reference `HandleEvent`): `pocket.ConsensusNewHeightEvent` refreshes the staked set,
   * `pocket.StateMachineTransitionEvent` into `P2P_Bootstrapping` bootstraps when the staked set is empty.
   * @throws {UnknownEventTypeError} for any other type
   */
  async handleEvent (event: Any, options: AbortOptions = {}): Promise<void> {
    const name = anyMessageName(event)
    if (name === NEW_HEIGHT_EVENT) {
      const { height } = decodeMessage(ConsensusNewHeightEventSchema, event.value)
      await this.#onNewHeight(height, options)
      return
    }
    if (name === STATE_TRANSITION_EVENT) {
      const transition = decodeMessage(StateMachineTransitionEventSchema, event.value)
      if (transition.newState === P2P_BOOTSTRAPPING_STATE) await this.#onBootstrapping(options)
      return
    }
    throw new UnknownEventTypeError(event.typeUrl)
  }

  async #onNewHeight (height: bigint, options: AbortOptions): Promise<void> {
    this.#requireStarted('handleEvent')
    const next = (await this.#init.peerstoreProvider.getStakedPeerstoreAtHeight(height, options)).getPeerList()
    this.#isStaked = !this.config.is_client_only && next.some(p => p.address === this.identity.address)
    const staked = this.#staked
    if (staked === undefined) {
      // a node staked after start joins RainTree now (the reference dereferenced a nil router here)
      if (this.#isStaked) await this.#startStakedRouter(next)
      return
    }
    const { added, removed } = peerListDelta(staked.getPeerstore().getPeerList(), next)
    for (const p of added) await staked.addPeer(p)
    for (const p of removed) await staked.removePeer(p.address)
    if (added.length > 0 || removed.length > 0) this.events.dispatch('peers:updated', { height, added, removed })
  }

  async #onBootstrapping (options: AbortOptions): Promise<void> {
    const { routers } = this.#requireStarted('handleEvent')
    const router = this.#staked ?? routers[0] as Router
    if (router.getPeerstore().size > 0) {
      this.events.dispatch('bootstrapped', { stakedPeers: router.getPeerstore().size, source: 'peerstore' })
      return
    }
    const urls = parseBootstrapNodes(this.config.bootstrap_nodes_csv)
    let result
    try {
      result = await bootstrapFromRpc(urls, { signal: options.signal })
    } catch (err) {
      throw new BootstrapFailedError(`bootstrap failed: ${(err as Error).message}`, { cause: err })
    }
    for (const p of result.peerstore.getPeerList()) await router.addPeer(p)
    this.events.dispatch('bootstrapped', { stakedPeers: router.getPeerstore().size, source: result.url })
  }

  #handleRouterMessage (m: RouterMessage): void {
    let content: Any | undefined
    let nonce: bigint
    try {
      const envelope = decodePocketEnvelope(m.data)
      nonce = envelope.nonce
      if (nonce === 0n) throw new InvalidNonceError(nonce)
      content = envelope.content ?? create(AnySchema)
    } catch (err) {
      this.stats.invalid++
      this.events.dispatch('invalid', { router: m.router, error: err instanceof Error ? err : new MessageDecodeError('pocket.PocketEnvelope', String(err)) })
      return
    }
    // check and insert are one synchronous call: no other message can interleave
    if (!this.#deduper.checkAndInsert(nonce)) {
      this.stats.duplicates++
      this.events.dispatch('duplicate', { nonce, router: m.router, from: m.from })
      return
    }
    this.#deliver(content, m.router, m.from)
  }

  #deliver (content: Any, router: string, from?: Address): void {
    this.stats.delivered++
    this.events.dispatch('message', { content, router, from })
  }
}

/** Creates a {@link P2PModule} (not started). */
export function createP2P (init: P2PInit): P2PModule {
  return new P2PModule(init)
}

/** Convenience: `Any` for a message name and bytes, with the `type.googleapis.com/` prefix. */
export function anyOf (messageName: string, value: Uint8Array): Any {
  return create(AnySchema, { typeUrl: `type.googleapis.com/${messageName}`, value })
}

