import { InvalidConfigError } from '@pokt-p2p/types'

/** How many copies the redundancy layer sends (see `RainTreeInit.redundancy`). */
export interface RedundancyInit {
  /**
   * At most how many nodes of its view the originator of a broadcast sends a copy to, besides its tree targets
   * (spread evenly over the view; see `forEachRedundancyTarget` of the core). The specification sends one to the
   * whole list: N − 1 more messages, all from the originator's uplink, which doubles the broadcast's cost and
   * makes the originator upload N payloads. The default keeps it to what the originator already sends: a cap of N
   * or more is the specification's whole list, 0 sends none.
   * @default as many as the broadcast's tree sends (2⌈log₃ N⌉ at most: 6 at N = 27, 17 at N = 10,000): the
   *   originator's upload at most doubles, and the broadcast costs that many more data messages in all
   */
  maxCopies?: number
}

/** {@link RedundancyInit} with its defaults: `maxCopies` undefined means "as many as the tree sends". */
export interface ResolvedRedundancy {
  /** the cap, or undefined for the default (see {@link RedundancyInit.maxCopies}) */
  readonly maxCopies: number | undefined
}

/**
 * Checks and completes the `redundancy` option: undefined when it is off.
 * @throws {InvalidConfigError} for a value that is neither a boolean nor an object, or a cap that is not an
 *   integer ≥ 0
 */
export function resolveRedundancy (init: boolean | RedundancyInit | undefined): ResolvedRedundancy | undefined {
  if (init === undefined || init === false) return undefined
  if (init === true) return { maxCopies: undefined }
  if (typeof init !== 'object' || init === null) {
    throw new InvalidConfigError('redundancy', `must be a boolean or { maxCopies? }, got ${String(init)}`)
  }
  const maxCopies = init.maxCopies
  if (maxCopies !== undefined && (!Number.isSafeInteger(maxCopies) || maxCopies < 0)) {
    throw new InvalidConfigError('redundancy.maxCopies', `must be an integer >= 0, got ${maxCopies}`)
  }
  return { maxCopies }
}
