import {
  peerListDelta,
  type AbortOptions, type Address, type ComponentLogger, type Metrics, type CurrentHeightProvider, type Logger, type Peer,
  type PeerstoreProvider, type Router, type TypedEvents
} from '@pokt-p2p/types'
import { bootstrap as bootstrapFromRpc, parseBootstrapNodes } from '@pokt-p2p/providers'
import { raceSignal } from 'race-signal'
import { BootstrapFailedError, NoRouterError } from './errors.js'
import type { P2PEvents } from './events.js'
import type { P2PMetrics } from './metrics.js'

/** What {@link StakedSetFollower} works with. */
export interface StakedSetFollowerComponents {
  /** this node's pocket address */
  selfAddress: Address
  /** tells the current height */
  currentHeightProvider: CurrentHeightProvider
  /** tells the staked set at a height */
  peerstoreProvider: PeerstoreProvider
  /** where `peers:updated` and `bootstrapped` go */
  events: TypedEvents<P2PEvents>
  /** the module's figures (height, staked set size) */
  metrics: P2PMetrics
  /** the module's logger, also given to the bootstrap RPC client */
  logger: ComponentLogger
  /** the node's metrics registry, when there is one (the bootstrap RPC client counts its requests there) */
  metricsRegistry: () => Metrics | undefined
  /** the module's running routers */
  routers: () => { staked?: Router, unstaked?: Router }
  /** creates and starts the staked router, for a node staked after start */
  joinStaked: (peers: Peer[], options: AbortOptions) => Promise<Router>
}

/** Options of {@link StakedSetFollower}: the configuration fields it reads. */
export interface StakedSetFollowerInit {
  /** a client-only node is never staked (`is_client_only`) */
  clientOnly: boolean
  /** the RPC nodes to bootstrap from (`bootstrap_nodes_csv`; empty means the reference's defaults) */
  bootstrapNodesCsv: string
}

/**
 * The staked set as the module sees it: at start, the set at the current height; at each new height, the delta
 * applied to the staked router (and a node staked only now joins RainTree); and, when the state machine enters
 * `P2P_Bootstrapping` with an empty peerstore, the set from a bootstrap RPC node.
 */
export class StakedSetFollower {
  readonly #components: StakedSetFollowerComponents
  readonly #init: StakedSetFollowerInit
  readonly #log: Logger
  #height: bigint | undefined
  #staked = false

  /**
   * @param components - the providers, the routers and where to report
   * @param init - the configuration fields it reads
   */
  constructor (components: StakedSetFollowerComponents, init: StakedSetFollowerInit) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('pokt:p2p')
  }

  /** Whether this node was in the staked set at the last height it looked at. */
  isStaked (): boolean {
    return this.#staked
  }

  /** The last height looked at (undefined before the first start). */
  get height (): bigint | undefined {
    return this.#height
  }

  /** Reads the current height and the staked set there (at start). Returns the staked set. */
  async load (options: Required<AbortOptions>): Promise<Peer[]> {
    const { currentHeightProvider, peerstoreProvider } = this.#components
    const height = await raceSignal(currentHeightProvider.currentHeight(options), options.signal)
    const peers = (await raceSignal(peerstoreProvider.getStakedPeerstoreAtHeight(height, options), options.signal)).getPeerList()
    this.#observe(height, peers)
    return peers
  }

  /**
   * A new height: applies the staked-set delta to the staked router and emits `peers:updated` when it changed; a
   * node staked for the first time creates and starts its staked router (the reference dereferenced a nil router).
   */
  async applyHeight (height: bigint, options: AbortOptions = {}): Promise<void> {
    const next = (await this.#components.peerstoreProvider.getStakedPeerstoreAtHeight(height, options)).getPeerList()
    this.#observe(height, next)
    const router = this.#components.routers().staked
    if (router === undefined) {
      if (this.#staked) await this.#components.joinStaked(next, options)
      return
    }
    const { added, removed } = peerListDelta(router.getPeerstore().getPeerList(), next)
    for (const p of added) await router.addPeer(p)
    for (const p of removed) await router.removePeer(p.address)
    if (added.length > 0 || removed.length > 0) {
      this.#log('height %s: %d staked peers joined, %d left', height, added.length, removed.length)
      this.#components.events.dispatch('peers:updated', { height, added, removed })
    }
  }

  /**
   * `P2P_Bootstrapping`: when the router has no peers, fills it from the first bootstrap RPC node that answers,
   * then emits `bootstrapped`.
   * @throws {BootstrapFailedError} when no bootstrap node gave a staked set
   */
  async bootstrap (options: AbortOptions = {}): Promise<void> {
    const { staked, unstaked } = this.#components.routers()
    const router = staked ?? unstaked
    if (router === undefined) throw new NoRouterError('handleEvent: this node has no router to bootstrap')
    if (router.getPeerstore().size > 0) {
      this.#log('bootstrapping: %s already knows %d peers', router.name, router.getPeerstore().size)
      this.#components.events.dispatch('bootstrapped', { stakedPeers: router.getPeerstore().size, source: 'peerstore' })
      return
    }
    const urls = parseBootstrapNodes(this.#init.bootstrapNodesCsv)
    this.#log('bootstrapping %s from %s', router.name, urls.join(', '))
    let result
    try {
      // the providers log each node tried and why it failed (`pokt:providers`)
      result = await bootstrapFromRpc(urls, { signal: options.signal, logger: this.#components.logger, metrics: this.#components.metricsRegistry() })
    } catch (err) {
      this.#log.error('bootstrap failed: %s', (err as Error).message)
      throw new BootstrapFailedError(`bootstrap failed: ${(err as Error).message}`, { cause: err })
    }
    for (const p of result.peerstore.getPeerList()) await router.addPeer(p)
    this.#log('bootstrapped from %s: %d staked peers at height %s', result.url, router.getPeerstore().size, result.height)
    this.#components.events.dispatch('bootstrapped', { stakedPeers: router.getPeerstore().size, source: result.url })
  }

  #observe (height: bigint, peers: Peer[]): void {
    const staked = !this.#init.clientOnly && peers.some(p => p.address === this.#components.selfAddress)
    if (height !== this.#height) this.#log('height %s: %d staked peers', height, peers.length)
    if (staked !== this.#staked) this.#log(staked ? 'this node is staked' : 'this node is not staked')
    this.#height = height
    this.#staked = staked
    this.#components.metrics.stakedSet(height, peers.length)
  }
}
