// type-only: erased at compile time, so the core still loads nothing at run time
import type { RainTreeMode } from '@pokt-p2p/types'
import {
  ceilLog3, FIRST_TARGET_PERCENTAGE, SECOND_TARGET_PERCENTAGE, windowSize
} from './levels.js'

// Module-level aliases: under a vm context (jest) every global lookup in a hot loop is slow.
const { floor, trunc } = Math

/** One network message a node must send: to view index `index`, carrying `level` and `rangeSize`. */
export interface PlannedSend {
  /** view index of the receiver (1 ≤ index < view length; 0 only for a client-only originator in complete mode) */
  index: number
  /** `RainTreeMessage.level` */
  level: number
  /** `RainTreeMessage.range_size` (field 3): 0 in reference mode, the receiver's range in complete mode */
  rangeSize: number
  /**
   * The sender's level for this send: the reference level, or ceil(log3 R) of the range R the sender is splitting
   * in complete mode. A node sends at most 2 messages per step level per plan.
   */
  stepLevel: number
}

/** Receives planned sends one by one (no allocation per send). Arguments as in {@link PlannedSend}. */
export type SendSink = (index: number, level: number, rangeSize: number, stepLevel: number) => void

/** What a receiver needs from an inbound message to plan its propagation. */
export interface ReceivedRainTree {
  /** the message's `level`: the receiver propagates at the levels below it */
  level: number
  /** 0 (absent) for reference-mode and `send` messages */
  rangeSize: number
}

/**
 * Reference mode: `broadcastAtLevel(from)` — for each level L = from … 1, targets at trunc(⅓·size) and
 * trunc(⅔·size) of the level's window; index 0 is the node itself (a demote, no message). Returns the number of
 * demotes (target slots that fell on index 0).
 */
function referenceSteps (viewLength: number, maxLevels: number, from: number, sink: SendSink): number {
  let demotes = 0
  for (let level = from; level >= 1; level--) {
    const size = windowSize(viewLength, maxLevels, level)
    const i1 = trunc(FIRST_TARGET_PERCENTAGE * size)
    const i2 = trunc(SECOND_TARGET_PERCENTAGE * size)
    if (i1 !== 0) sink(i1, level, 0, level)
    else demotes++
    if (i2 !== 0) sink(i2, level, 0, level)
    else demotes++
  }
  return demotes
}

/**
 * Complete mode: the node is responsible for view indices [0, range). Split the range into three consecutive
 * parts p0 = ⌈R/3⌉, p1 = ⌈(R−p0)/2⌉, p2 = R−p0−p1; the heads of p1 and p2 get a message naming their part; the
 * node keeps p0 (the demote) and repeats until R = 1. Returns the number of demotes (steps).
 */
function completeSteps (range: number, sink: SendSink): number {
  let demotes = 0
  let r = range
  while (r > 1) {
    const p0 = floor((r + 2) / 3)
    const rest = r - p0
    const p1 = (rest + 1) >>> 1
    const p2 = rest - p1
    const step = ceilLog3(r)
    if (p1 > 0) sink(p0, ceilLog3(p1), p1, step)
    if (p2 > 0) sink(p0 + p1, ceilLog3(p2), p2, step)
    demotes++
    r = p0
  }
  return demotes
}

/**
 * The sends of a broadcast originated by this node, in order (top level first).
 *
 * @param viewLength - length of the node's sorted, self-rotated view
 * @param mode - targeting rules
 * @param maxLevels - `maxNumLevels(viewLength)` (reference mode only)
 * @param sink - called once per network message
 * @param selfInView - false for a client-only node (index 0 is then a real peer). Reference mode keeps the Go
 *   behaviour (index 0 is skipped as if it were self); complete mode splits the whole view [0, N) in three and sends
 *   to the head of each part, so coverage stays complete.
 * @returns the number of demotes
 */
export function forEachBroadcastTarget (
  viewLength: number, mode: RainTreeMode, maxLevels: number, sink: SendSink, selfInView = true
): number {
  if (viewLength <= 0) return 0
  if (mode === 'reference') return referenceSteps(viewLength, maxLevels, maxLevels, sink)
  if (selfInView) return completeSteps(viewLength, sink)
  // client-only originator: it is not part of the range, so all three parts are handed off
  const r = viewLength
  const p0 = floor((r + 2) / 3)
  const rest = r - p0
  const p1 = (rest + 1) >>> 1
  const p2 = rest - p1
  const step = ceilLog3(r) + 1
  sink(0, ceilLog3(p0), p0, step)
  if (p1 > 0) sink(p0, ceilLog3(p1), p1, step)
  if (p2 > 0) sink(p0 + p1, ceilLog3(p2), p2, step)
  return 0
}

/**
 * The sends a node makes after receiving `received` (before it hands the payload on). The message decides the
 * rules, not the local mode: `rangeSize > 0` is a complete-mode message (range clamped to the view length);
 * otherwise level L > 0 propagates reference-style at min(L − 1, maxLevels) — clamped where the reference wraps a
 * uint32 — and level 0 (`send`) propagates nothing. A client-only node (`selfInView` false) never propagates, as
 * in the reference.
 *
 * @returns the number of demotes
 */
export function forEachPropagationTarget (
  viewLength: number, maxLevels: number, received: ReceivedRainTree, sink: SendSink, selfInView = true
): number {
  if (!selfInView || viewLength <= 1) return 0
  if (received.rangeSize > 0) {
    return completeSteps(received.rangeSize > viewLength ? viewLength : received.rangeSize, sink)
  }
  if (received.level === 0) return 0
  const from = received.level - 1 > maxLevels ? maxLevels : received.level - 1
  return referenceSteps(viewLength, maxLevels, from, sink)
}

function collector (out: PlannedSend[]): SendSink {
  out.length = 0
  return (index, level, rangeSize, stepLevel) => { out.push({ index, level, rangeSize, stepLevel }) }
}

/** {@link forEachBroadcastTarget} as an array (pass `out` to reuse one). */
export function planBroadcast (
  view: { readonly length: number, readonly containsSelf?: boolean }, mode: RainTreeMode, maxLevels: number,
  out: PlannedSend[] = []
): PlannedSend[] {
  forEachBroadcastTarget(view.length, mode, maxLevels, collector(out), view.containsSelf ?? true)
  return out
}

/** {@link forEachPropagationTarget} as an array (pass `out` to reuse one). */
export function planPropagation (
  viewLength: number, maxLevels: number, received: ReceivedRainTree, out: PlannedSend[] = [], selfInView = true
): PlannedSend[] {
  forEachPropagationTarget(viewLength, maxLevels, received, collector(out), selfInView)
  return out
}
