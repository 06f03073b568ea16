import { Peerstore, TypedEventTarget, type AbortOptions, type CurrentHeightEvents, type CurrentHeightProvider, type Peer, type PeerstoreProvider } from '@pokt-p2p/types'

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

/**
 * An in-memory height and peerstore provider, for tests and embedded use. It implements both
 * {@link CurrentHeightProvider} and {@link PeerstoreProvider}; every call returns a fresh {@link Peerstore}.
 */
export interface StaticProviders extends CurrentHeightProvider, PeerstoreProvider {
  /** Sets the current height; emits a `height` event when it changed. */
  setHeight (height: bigint): void
  /** Replaces the staked set. A duplicate address throws `DuplicatePeerError` (and leaves the old set). */
  setStaked (staked: StakedPeers): void
  /** Replaces the unstaked set. A duplicate address throws `DuplicatePeerError` (and leaves the old set). */
  setUnstaked (unstaked: Iterable<Peer>): void
}

function snapshot (peers: Iterable<Peer>): Peer[] {
  return new Peerstore(peers).getPeerList() // throws DuplicatePeerError
}

function snapshotStaked (staked: StakedPeers): Peer[] | ((height: bigint) => Iterable<Peer> | Promise<Iterable<Peer>>) {
  return typeof staked === 'function' ? staked : snapshot(staked)
}

/**
 * In-memory providers.
 *
 * @example
 * ```ts
 * const providers = staticProviders({ height: 1n, staked: peers })
 * providers.events.on('height', h => console.log('new height', h))
 * providers.setHeight(2n) // logs "new height 2n"
 * ```
 */
export function staticProviders (init: StaticProvidersInit = {}): StaticProviders {
  let height = init.height ?? 0n
  let staked = snapshotStaked(init.staked ?? [])
  let unstaked = snapshot(init.unstaked ?? [])
  const events = new TypedEventTarget<CurrentHeightEvents>()
  return {
    events,
    async currentHeight (options?: AbortOptions): Promise<bigint> {
      options?.signal?.throwIfAborted()
      return height
    },
    async getStakedPeerstoreAtHeight (h: bigint, options?: AbortOptions): Promise<Peerstore> {
      options?.signal?.throwIfAborted()
      return new Peerstore(typeof staked === 'function' ? await staked(h) : staked)
    },
    async getUnstakedPeerstore (options?: AbortOptions): Promise<Peerstore> {
      options?.signal?.throwIfAborted()
      return new Peerstore(unstaked)
    },
    setHeight (h: bigint): void {
      if (h === height) return
      height = h
      events.dispatch('height', h)
    },
    setStaked (next: StakedPeers): void {
      staked = snapshotStaked(next)
    },
    setUnstaked (next: Iterable<Peer>): void {
      unstaked = snapshot(next)
    }
  }
}
