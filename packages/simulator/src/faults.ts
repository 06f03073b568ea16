import type { ResolvedSimulationOptions } from './options.js'
import { Random, sampleDistinct } from './random.js'

/** Which nodes fail how, drawn from the options and the seed. Node indices throughout. */
export interface FaultPlan {
  /** nodes dead before the broadcast, ascending */
  readonly dead: readonly number[]
  /** nodes that crash as soon as they receive the message, ascending */
  readonly crashAfterReceive: readonly number[]
  /** for each node whose view misses peers: the nodes it misses */
  readonly viewMiss: ReadonlyMap<number, readonly number[]>
  /**
   * for each node whose view holds phantom peers: for each phantom, the real node right before which it sorts
   * (phantom addresses are made to sort just after that node's address)
   */
  readonly viewExtra: ReadonlyMap<number, readonly number[]>
}

/** Random streams of one seed, one per purpose, so that adding one kind of fault does not move the others. */
export const STREAM = { dead: 1, crashAfterReceive: 2, viewMiss: 3, viewExtra: 4, loss: 5 } as const

/** How many of `nodes` a share `fraction` stands for: round(fraction · nodes), at most `available`. */
export function shareOf (fraction: number, nodes: number, available: number): number {
  return Math.max(0, Math.min(available, Math.round(fraction * nodes)))
}

/**
 * Draws which nodes fail how. The originator is never dead and never crashes; a node is dead or crashes after
 * receiving, not both; views can differ on any node that is not dead.
 */
export function planFaults (options: ResolvedSimulationOptions): FaultPlan {
  const { nodes, originator, seed } = options
  let dead: number[]
  if (typeof options.dead === 'number') {
    dead = sampleDistinct(new Random(seed, STREAM.dead), nodes, shareOf(options.dead, nodes, nodes - 1), new Set([originator]))
      .sort((a, b) => a - b)
  } else {
    dead = [...options.dead]
  }
  const down = new Set(dead)
  down.add(originator)
  const crashAfterReceive = sampleDistinct(new Random(seed, STREAM.crashAfterReceive), nodes,
    shareOf(options.crashAfterReceive, nodes, nodes - down.size), down).sort((a, b) => a - b)

  const isDead = new Set(dead)
  const viewMiss = new Map<number, number[]>()
  if (options.viewMiss !== null && options.viewMiss.peers > 0) {
    const random = new Random(seed, STREAM.viewMiss)
    const { peers, fraction } = options.viewMiss
    const k = Math.min(peers, nodes - 1)
    for (const node of sampleDistinct(random, nodes, shareOf(fraction, nodes, nodes - isDead.size), isDead).sort((a, b) => a - b)) {
      viewMiss.set(node, sampleDistinct(random, nodes, k, new Set([node])).sort((a, b) => a - b))
    }
  }
  const viewExtra = new Map<number, number[]>()
  if (options.viewExtra !== null && options.viewExtra.peers > 0) {
    const random = new Random(seed, STREAM.viewExtra)
    const { peers, fraction } = options.viewExtra
    for (const node of sampleDistinct(random, nodes, shareOf(fraction, nodes, nodes - isDead.size), isDead).sort((a, b) => a - b)) {
      // each phantom sorts right after a distinct real node, so one node's phantoms are distinct
      viewExtra.set(node, sampleDistinct(random, nodes, Math.min(peers, nodes)).sort((a, b) => a - b))
    }
  }
  return { dead, crashAfterReceive, viewMiss, viewExtra }
}
