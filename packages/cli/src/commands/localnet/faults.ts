import { createHash } from 'node:crypto'
import { checkEnvelope, decodeRainTreeMessage, rainTreeFrameKind, type MessageTransport } from '@pokt-p2p/types'
import { planFaults, resolveOptions } from '@pokt-p2p/simulator'
import type { LocalnetOptions } from './options.js'

/**
 * The 32-bit seed of the fault draws for `--seed S`: S itself when it is an integer in [0, 2^32) — then `--dead` and
 * `--crash-after-receive` pick the node indices `pokt-p2p simulate --seed S` picks — else the first 4 bytes of
 * SHA-256(S).
 */
export function faultSeed (seed: string): number {
  if (/^\d{1,10}$/.test(seed) && Number(seed) <= 0xffff_ffff) return Number(seed)
  return createHash('sha256').update(seed).digest().readUInt32BE(0)
}

/** Which nodes fail how (0-based indices, ascending). */
export interface LocalnetFaultPlan {
  /** nodes stopped after set-up, before the broadcasts (`--dead`) */
  dead: number[]
  /** nodes that stop as soon as the measured broadcast reaches their RainTree router (`--crash-after-receive`) */
  crashAfterReceive: number[]
}

/**
 * Draws the faulty nodes as the simulator does (`planFaults` of `@pokt-p2p/simulator`: its seeded generator, one
 * stream per kind of fault, round(F·N) nodes each, never the originator, dead and crashing ones distinct).
 */
export function planLocalnetFaults (opts: LocalnetOptions): LocalnetFaultPlan {
  const dead = opts.dead ?? 0
  const crashAfterReceive = opts.crashAfterReceive ?? 0
  if (dead === 0 && crashAfterReceive === 0) return { dead: [], crashAfterReceive: [] }
  const plan = planFaults(resolveOptions({
    nodes: opts.nodes, originator: opts.originator - 1, seed: faultSeed(opts.seed), dead, crashAfterReceive
  }))
  return { dead: [...plan.dead], crashAfterReceive: [...plan.crashAfterReceive] }
}

/** What a crashed node's RainTree transport throws for every send: nothing leaves a node that crashed. */
export class NodeCrashedError extends Error {
  static readonly NAME = 'NodeCrashedError'
  override readonly name = NodeCrashedError.NAME
}

/**
 * The faults of one run: which nodes are dead, which crash after receiving and which have crashed. A node that is to
 * crash gets its RainTree router built over {@link LocalnetFaults.wrap}ped transport (`P2PInit.stakedRouter`): the
 * only way bytes leave a RainTree router is its transport's `sendTo`, so from the crash on nothing leaves it.
 */
export class LocalnetFaults {
  /** nodes stopped before the broadcasts */
  readonly dead: ReadonlySet<number>
  /** nodes that crash on the measured broadcast's first copy */
  readonly crashAfterReceive: ReadonlySet<number>
  /** nodes that have crashed (each also in `crashAfterReceive`) */
  readonly crashed = new Set<number>()
  /** sends refused because their node had crashed (what it would have forwarded; counted, nothing left) */
  blockedSends = 0
  /** called once a node has crashed: the network stops its module */
  onCrash: (index: number) => void = () => {}
  #armed = false
  /** the warm-up broadcast's nonce: its copies (a late repair) never make a node crash */
  #spared: bigint | undefined

  constructor (plan: LocalnetFaultPlan) {
    this.dead = new Set(plan.dead)
    this.crashAfterReceive = new Set(plan.crashAfterReceive)
  }

  /** Whether the run has any fault (a node that is dead or will crash). */
  get any (): boolean {
    return this.dead.size > 0 || this.crashAfterReceive.size > 0
  }

  /** Whether node `index` is live: neither dead nor crashed. */
  isLive (index: number): boolean {
    return !this.dead.has(index) && !this.crashed.has(index)
  }

  /** The warm-up broadcast's nonce, whose copies never make a node crash. */
  spare (nonce: bigint): void {
    this.#spared = nonce
  }

  /** From now on, the first RainTree data message of another broadcast makes each crashing node crash. */
  arm (): void {
    this.#armed = true
  }

  /**
   * `transport` as node `index`'s RainTree router sees it: unchanged for a node that is not to crash. For one that
   * is, once armed, the first data message of the measured broadcast crashes the node: every send from then on
   * fails with {@link NodeCrashedError} except the ACK the router sends for that message while handling it (RainTree
   * ACKs a range before it forwards it: the node received the message and told its sender so), the router still
   * hands the payload to the application (it has received it), inbound messages after it are ignored, and
   * `onCrash` stops the module.
   */
  wrap (index: number, transport: MessageTransport): MessageTransport {
    if (!this.crashAfterReceive.has(index)) return transport
    let crashed = false
    // true only during the synchronous part of the router's handler of the message that crashed the node
    let handling = false
    return {
      get localAddress () { return transport.localAddress },
      handle: (protocol, handler) => {
        transport.handle(protocol, async (bytes, from, on) => {
          // a crashed node reads nothing more
          if (crashed) return
          if (!this.#armed || !this.#isMeasured(bytes)) {
            await handler(bytes, from, on)
            return
          }
          crashed = true
          this.crashed.add(index)
          let handled: void | Promise<void>
          handling = true
          try {
            handled = handler(bytes, from, on)
          } finally {
            handling = false
          }
          this.onCrash(index)
          await handled
        })
      },
      unhandle: protocol => {
        transport.unhandle(protocol)
      },
      sendTo: async (peer, protocols, bytes, options) => {
        // checked when the router calls, before any await
        if (crashed && !(handling && rainTreeFrameKind(bytes) === 'ack')) {
          this.blockedSends++
          throw new NodeCrashedError(`val_${index + 1} crashed after receiving the broadcast (--crash-after-receive): nothing leaves it`)
        }
        return await transport.sendTo(peer, protocols, bytes, options)
      }
    }
  }

  /** Whether `bytes` is a RainTree data message of a broadcast other than the warm-up (malformed ones: no). */
  #isMeasured (bytes: Uint8Array): boolean {
    if (rainTreeFrameKind(bytes) !== 'data') return false
    try {
      const envelope = checkEnvelope(decodeRainTreeMessage(bytes).data)
      return envelope.ok && envelope.nonce !== this.#spared
    } catch {
      return false
    }
  }
}
