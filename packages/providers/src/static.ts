import { Peerstore, TypedEvents, type AbortOptions, type CurrentHeightEvents, type CurrentHeightProvider, type Peer, type PeerstoreProvider } from '@pokt-p2p/types'
import { instruments, type Instruments, type ProviderComponents } from './components.js'

/** The staked set: the same peers at every height, or a function of the height. */
export type StakedPeers = Iterable<Peer> | ((height: bigint) => Iterable<Peer> | Promise<Iterable<Peer>>)

/** Options of `staticProviders`: a fixed height and staked set (tests, local networks). */
export interface StaticProvidersInit {
  /**
   * The current height.
   * @default 0n
   */
  height?: bigint
  /**
   * The staked peers: the same at every height, or a function of the height.
   * @default []
   */
  staked?: StakedPeers
  /**
   * The unstaked peers.
   * @default []
   */
  unstaked?: Iterable<Peer>
}

function snapshot (peers: Iterable<Peer>): Peer[] {
  return new Peerstore(peers).getPeerList() // throws DuplicatePeerError
}

function snapshotStaked (staked: StakedPeers): Peer[] | ((height: bigint) => Iterable<Peer> | Promise<Iterable<Peer>>) {
  return typeof staked === 'function' ? staked : snapshot(staked)
}

/**
 * An in-memory height and peerstore provider, for tests and embedded use. It implements both
 * {@link CurrentHeightProvider} and {@link PeerstoreProvider}; every call returns a fresh `Peerstore`.
 */
export class StaticProviders implements CurrentHeightProvider, PeerstoreProvider {
  /** `height`: each change made with {@link StaticProviders.setHeight} */
  readonly events = new TypedEvents<CurrentHeightEvents>()
  readonly #io: Instruments
  #height: bigint
  #staked: Peer[] | ((height: bigint) => Iterable<Peer> | Promise<Iterable<Peer>>)
  #unstaked: Peer[]

  /**
   * @param components - where to log height changes and set the height gauge
   * @param init - the height and the sets
   * @throws {DuplicatePeerError} when a set repeats an address
   */
  constructor (components: ProviderComponents = {}, init: StaticProvidersInit = {}) {
    this.#io = instruments(components)
    this.#height = init.height ?? 0n
    this.#staked = snapshotStaked(init.staked ?? [])
    this.#unstaked = snapshot(init.unstaked ?? [])
    this.#io.height(this.#height)
  }

  /** The height last set. */
  async currentHeight (options?: AbortOptions): Promise<bigint> {
    options?.signal?.throwIfAborted()
    return this.#height
  }

  /** The staked set (the function's result at `height`, when it is one). */
  async getStakedPeerstoreAtHeight (height: bigint, options?: AbortOptions): Promise<Peerstore> {
    options?.signal?.throwIfAborted()
    const staked = this.#staked
    return new Peerstore(typeof staked === 'function' ? await staked(height) : staked)
  }

  /** The unstaked set. */
  async getUnstakedPeerstore (options?: AbortOptions): Promise<Peerstore> {
    options?.signal?.throwIfAborted()
    return new Peerstore(this.#unstaked)
  }

  /** Sets the current height; logs it and emits a `height` event when it changed. */
  setHeight (height: bigint): void {
    if (height === this.#height) return
    this.#io.log('height %s (was %s)', height, this.#height)
    this.#height = height
    this.#io.height(height)
    this.events.dispatch('height', height)
  }

  /** Replaces the staked set. A duplicate address throws `DuplicatePeerError` (and leaves the old set). */
  setStaked (staked: StakedPeers): void {
    this.#staked = snapshotStaked(staked)
  }

  /** Replaces the unstaked set. A duplicate address throws `DuplicatePeerError` (and leaves the old set). */
  setUnstaked (unstaked: Iterable<Peer>): void {
    this.#unstaked = snapshot(unstaked)
  }
}

/**
 * In-memory providers; see {@link StaticProviders}.
 *
 * @example
 * ```ts
 * const providers = staticProviders({ height: 1n, staked: peers })()
 * providers.events.on('height', h => { console.log('new height', h) })
 * providers.setHeight(2n) // logs "new height 2n"
 * ```
 */
export function staticProviders (init: StaticProvidersInit = {}): (components?: ProviderComponents) => StaticProviders {
  return (components = {}) => new StaticProviders(components, init)
}
