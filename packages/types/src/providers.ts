import type { TypedEvents } from './events.js'
import type { Peerstore } from './peerstore.js'
import type { AbortOptions } from './router.js'

/** Events of a {@link CurrentHeightProvider}, by type: the `detail` each carries. */
export interface CurrentHeightEvents extends Record<string, unknown> {
  /** a new current height was observed */
  height: bigint
}

/** Tells the current block height (reference `CurrentHeightProvider`). */
export interface CurrentHeightProvider {
  /** The current block height. */
  currentHeight (options?: AbortOptions): Promise<bigint>
  /** `height` events announce new heights (a provider that never learns of new heights never emits) */
  readonly events: TypedEvents<CurrentHeightEvents>
}

/** Tells the staked set at a height, and the known unstaked participants (reference `PeerstoreProvider`). */
export interface PeerstoreProvider {
  /** A fresh peerstore of the actors staked at `height`. */
  getStakedPeerstoreAtHeight (height: bigint, options?: AbortOptions): Promise<Peerstore>
  /** A fresh peerstore of known unstaked participants (empty when the provider knows none). */
  getUnstakedPeerstore (options?: AbortOptions): Promise<Peerstore>
}
