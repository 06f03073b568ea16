import { InvalidConfigError } from '@pokt-p2p/types'

/** How the clean-up layer ("I got, you want?") asks and when (see `RainTreeInit.cleanup`). */
export interface CleanupInit {
  /**
   * How long a node that has a message waits before it asks its right neighbour. A range head gets up to three
   * answer timeouts from the ACK layer (a send, then a resend waiting twice as long) before its range is handed to
   * the next node; asking sooner would race that adjust and repair a node the tree is about to reach, a second
   * data copy. One more timeout is slack for the hop itself. Timeouts adapt to the measured round trip.
   * @default 4 × the answer timeout (the ACK layer's round-trip timeout: 4 s before any round trip was measured)
   */
  delayMs?: number
  /**
   * How many nodes to the right one clean-up asks, one after another, while none answers (dead, crashed, the
   * query or its answer lost), before it gives up (logged, counted as `gave_up`). A dead neighbour costs one
   * failed send, a silent one an answer timeout; 8 outlasts a run of 7 failed neighbours, far beyond what a
   * random 5–30 % of failed nodes makes likely (30 %⁸ ≈ 7 · 10⁻⁵), and keeps a give-up under 8 timeouts.
   * @default 8
   */
  maxProbes?: number
  /**
   * How long a node keeps a message's bytes after its own walk, to repair the nodes a later querier skipped (see
   * the gap check of `RainTreeInit.cleanup`). A chain of repairs through missed nodes reaches a node long after its
   * own walk: each link costs its querier's answer timeout, up to 1 s before any round trip was measured, so a
   * minute outlasts a chain of dozens. At most 256 messages are kept, whatever the rate, and at most
   * `maxRetainedBytes` of them.
   * @default 60000
   */
  retainMs?: number
  /**
   * How many bytes of messages a node keeps for clean-up at most, whatever their number: the oldest are forgotten
   * first (their walk, if it has not started, is not made). A message larger than this is never kept: it is not
   * cleaned up by this node (counted as `not_retained`, logged). 256 messages of the 4 MiB a transport accepts
   * would be 1 GiB; 64 MiB still keeps the last 256 messages up to 256 KiB each, and the last 16 of the largest.
   * @default 67108864 (64 MiB)
   */
  maxRetainedBytes?: number
}

/** {@link CleanupInit} with its defaults: `delayMs` undefined means "derived from the answer timeout". */
export interface ResolvedCleanup {
  /** the fixed delay, or undefined for 4 × the answer timeout */
  readonly delayMs: number | undefined
  /** see {@link CleanupInit.maxProbes} */
  readonly maxProbes: number
  /** see {@link CleanupInit.retainMs} */
  readonly retainMs: number
  /** see {@link CleanupInit.maxRetainedBytes} */
  readonly maxRetainedBytes: number
}

/** The default of {@link CleanupInit.maxRetainedBytes}: 64 MiB. */
export const DEFAULT_MAX_RETAINED_BYTES = 64 * 1024 * 1024

/** How many answer timeouts the default clean-up delay is (see {@link CleanupInit.delayMs}). */
export const CLEANUP_DELAY_TIMEOUTS = 4

/**
 * Checks and completes the `cleanup` option: undefined when it is off.
 * @throws {InvalidConfigError} for a delay or retention that is not a number ≥ 0, a probe count that is not an
 *   integer ≥ 1, or a byte bound that is not an integer ≥ 0
 */
export function resolveCleanup (init: boolean | CleanupInit | undefined): ResolvedCleanup | undefined {
  if (init === undefined || init === false) return undefined
  if (init === true) return { delayMs: undefined, maxProbes: 8, retainMs: 60_000, maxRetainedBytes: DEFAULT_MAX_RETAINED_BYTES }
  if (typeof init !== 'object' || init === null) {
    throw new InvalidConfigError('cleanup', `must be a boolean or { delayMs?, maxProbes?, retainMs?, maxRetainedBytes? }, got ${String(init)}`)
  }
  const delayMs = init.delayMs
  if (delayMs !== undefined && (!Number.isFinite(delayMs) || delayMs < 0)) {
    throw new InvalidConfigError('cleanup.delayMs', `must be a number of ms >= 0, got ${delayMs}`)
  }
  const maxProbes = init.maxProbes ?? 8
  if (!Number.isSafeInteger(maxProbes) || maxProbes < 1) {
    throw new InvalidConfigError('cleanup.maxProbes', `must be an integer >= 1, got ${maxProbes}`)
  }
  const retainMs = init.retainMs ?? 60_000
  if (!Number.isFinite(retainMs) || retainMs < 0) {
    throw new InvalidConfigError('cleanup.retainMs', `must be a number of ms >= 0, got ${retainMs}`)
  }
  const maxRetainedBytes = init.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES
  if (!Number.isSafeInteger(maxRetainedBytes) || maxRetainedBytes < 0) {
    throw new InvalidConfigError('cleanup.maxRetainedBytes', `must be an integer number of bytes >= 0, got ${maxRetainedBytes}`)
  }
  return { delayMs, maxProbes, retainMs, maxRetainedBytes }
}
