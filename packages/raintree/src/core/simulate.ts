import type { RainTreeMode } from '@pokt-p2p/types'
import { maxNumLevels } from './levels.js'
import { forEachBroadcastTarget, forEachPropagationTarget, type SendSink } from './plan.js'

/** Outcome of one simulated broadcast over N nodes with identical views and no failures. */
export interface SimulationResult {
  /** N, the number of nodes */
  readonly nodes: number
  /** global index of the node that broadcast */
  readonly originator: number
  /** the targeting rules used */
  readonly mode: RainTreeMode
  /** network messages sent (= Σ writes = Σ reads) */
  readonly messages: number
  /** nodes that have the payload at the end, originator included */
  readonly reached: number
  /** largest hop count at which a node first received the payload (0 for N = 1) */
  readonly depth: number
  /** RainTree messages received by node g (every copy) */
  readonly reads: Uint32Array
  /** RainTree messages sent by node g */
  readonly writes: Uint32Array
  /** hop at which node g first received the payload: 0 for the originator, −1 if never */
  readonly hops: Int32Array
  /** local demotes, summed over nodes */
  readonly demotes: number
  /** largest number of sends one node made at one step level while handling one message */
  readonly maxSendsPerStep: number
}

/** Options of {@link simulateBroadcast}. */
export interface SimulateOptions {
  /** @default maxNumLevels(n) */
  maxLevels?: number
  /** stop (throw) beyond this many messages, a guard for experiments. @default 64·n + 64 */
  maxMessages?: number
  /** called for every message, in send order (e.g. to pre-connect the edges a real broadcast will use) */
  onSend?: (from: number, to: number, level: number) => void
}

/**
 * Simulates one broadcast from global node `originator` among `n` nodes whose addresses are sorted: node g's view
 * index i is node (g + i) mod n, i.e. every node's view is a rotation of one shared list (nothing is copied per
 * node). Messages are processed breadth-first, so `hops` is the shortest hop count. Uses only the pure planners,
 * O(1)/O(log N) per message; memory is O(n) typed arrays plus the message queue.
 */
export function simulateBroadcast (
  n: number, originator = 0, mode: RainTreeMode = 'complete', options: SimulateOptions = {}
): SimulationResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`)
  if (n > 0 && (!Number.isInteger(originator) || originator < 0 || originator >= n)) {
    throw new RangeError(`originator ${originator} out of range [0, ${n})`)
  }
  const maxLevels = options.maxLevels ?? maxNumLevels(n)
  const maxMessages = options.maxMessages ?? 64 * n + 64
  const onSend = options.onSend
  const reads = new Uint32Array(n)
  const writes = new Uint32Array(n)
  const hops = new Int32Array(n).fill(-1)
  if (n === 0) {
    return { nodes: 0, originator, mode, messages: 0, reached: 0, depth: 0, reads, writes, hops, demotes: 0, maxSendsPerStep: 0 }
  }

  // FIFO of in-flight messages: receiver, level, rangeSize, hop (parallel typed arrays, grown by doubling)
  let cap = 1024
  let qNode = new Int32Array(cap)
  let qLevel = new Int32Array(cap)
  let qRange = new Int32Array(cap)
  let qHop = new Int32Array(cap)
  let head = 0
  let tail = 0
  const grow = (): void => {
    cap *= 2
    const copy = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => { const b = new Int32Array(cap); b.set(a.subarray(0, tail)); return b }
    qNode = copy(qNode); qLevel = copy(qLevel); qRange = copy(qRange); qHop = copy(qHop)
  }

  let sender = originator
  let senderHop = 0
  let messages = 0
  let maxSendsPerStep = 0
  let lastStep = -1
  let stepCount = 0
  const sink: SendSink = (index, level, rangeSize, stepLevel) => {
    if (stepLevel === lastStep) stepCount++
    else { lastStep = stepLevel; stepCount = 1 }
    if (stepCount > maxSendsPerStep) maxSendsPerStep = stepCount
    let receiver = sender + index
    if (receiver >= n) receiver -= n
    writes[sender]!++
    onSend?.(sender, receiver, level)
    messages++
    if (messages > maxMessages) throw new RangeError(`simulation exceeded ${maxMessages} messages`)
    if (tail === cap) grow()
    qNode[tail] = receiver; qLevel[tail] = level; qRange[tail] = rangeSize; qHop[tail] = senderHop + 1
    tail++
  }

  hops[originator] = 0
  let demotes = forEachBroadcastTarget(n, mode, maxLevels, sink)
  const received = { level: 0, rangeSize: 0 }
  let depth = 0
  while (head < tail) {
    const g = qNode[head]!
    const hop = qHop[head]!
    received.level = qLevel[head]!
    received.rangeSize = qRange[head]!
    head++
    reads[g]!++
    if (hops[g] === -1) {
      hops[g] = hop
      if (hop > depth) depth = hop
    }
    sender = g
    senderHop = hop
    lastStep = -1
    demotes += forEachPropagationTarget(n, maxLevels, received, sink)
  }
  let reached = 0
  for (let g = 0; g < n; g++) if (hops[g]! >= 0) reached++
  return { nodes: n, originator, mode, messages, reached, depth, reads, writes, hops, demotes, maxSendsPerStep }
}
