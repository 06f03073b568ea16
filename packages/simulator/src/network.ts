import { PeerUnreachableError, rainTreeFrameKind, type AbortOptions, type Address, type Peer, type StakedSet } from '@pokt-p2p/types'
import { VirtualClock } from './clock.js'
import type { Engine } from './engine.js'
import { Links, type LatencyModel } from './links.js'
import { bandwidthOption, fractionOption, latencyOption } from './options.js'
import { SyntheticPeer } from './nodes.js'
import { Random } from './random.js'
import { SimulatedTransport } from './transport.js'

/**
 * Says what class a message belongs to, from its bytes and protocol, and who sends it to whom (node indices):
 * `'data'` and `'redundancy'` (the redundancy layer's copies) count as data messages, any other name as a control
 * message (e.g. `'ack'`). Reports count messages by class.
 */
export type MessageClassifier = (bytes: Uint8Array, protocol: string, from: number, to: number) => string

/** The classes of a {@link MessageClassifier} that count as data messages. */
export const DATA_CLASSES: ReadonlySet<string> = new Set(['data', 'redundancy'])

/** A node's state in a {@link SimulatedNetwork}. */
export const NodeState = {
  /** up */
  up: 0,
  /** dead since before the run: never up */
  dead: 1,
  /** crashed during the run */
  crashed: 2,
  /** up, and will crash as soon as a data message reaches it (see SimulatedNetwork.crashOnReceive) */
  crashOnReceive: 3
} as const

/** Options of a {@link SimulatedNetwork}. */
export interface SimulatedNetworkInit {
  /** the nodes: node i is the i-th peer of the set in address order */
  peers: StakedSet
  /**
   * One-way latency: a number (fixed, in ms) or a {@link LatencyModel}.
   * @default 0
   */
  latency?: LatencyModel
  /**
   * Every node's upload bandwidth in Mbit/s; `null` for unlimited.
   * @default null
   */
  uploadMbps?: number | null
  /**
   * Every node's download bandwidth in Mbit/s; `null` for unlimited.
   * @default null
   */
  downloadMbps?: number | null
  /**
   * Probability in [0, 1] that a message is lost (its send succeeds, it never arrives).
   * @default 0
   */
  loss?: number
  /**
   * Seeds per-link latencies, region placement and losses.
   * @default 1
   */
  seed?: number
  /**
   * What class each message is (see {@link MessageClassifier}).
   * @default every message is data
   */
  classify?: MessageClassifier
  /**
   * Called when a message reaches node `to` from node `from`, before its handler runs (also for a node that
   * crashes on receipt, which then never runs it); `hop` is the message's hop count (see {@link SimulatedNetwork.handlingHop}).
   */
  onReceive?: (to: number, from: number, hop: number) => void
  /**
   * The hop count of what node `node` sends outside a handler (e.g. its own broadcast, or after an `await`): its
   * messages then have this count plus one.
   * @default 0
   */
  hopOf?: (node: number) => number
}

/** Message counts of a {@link SimulatedNetwork}, over all nodes. */
export interface NetworkTotals {
  /** messages that left their sender (sends that succeeded), lost ones included */
  messages: number
  /** bytes of those messages */
  bytes: number
  /** of `messages`, those lost on the way (loss probability) */
  lost: number
  /** of `messages`, those that reached a node that was down by then, or had no handler for the protocol */
  undelivered: number
  /** sends that failed: the peer was dead, crashed or not in the network */
  failedSends: number
}

const NEVER: Promise<never> = new Promise(() => {})

/**
 * N nodes on simulated links, in virtual time: the {@link Links} model (latency, bandwidth), loss, and node
 * failures. Each node's endpoint is a {@link SimulatedTransport}. Counts are kept per node in typed arrays
 * (`reads`, `writes`, `uploadBytes`), not in per-node objects.
 */
export class SimulatedNetwork {
  /** the engine whose events the messages are */
  readonly engine: Engine
  /** virtual time, shared by all nodes */
  readonly clock: VirtualClock
  /** the link model */
  readonly links: Links
  /** N */
  readonly size: number
  /** messages handed to node i (or that reached it as it crashed on receipt) */
  readonly reads: Uint32Array
  /** messages node i sent successfully */
  readonly writes: Uint32Array
  /** bytes node i sent successfully */
  readonly uploadBytes: Float64Array
  /** each node's {@link NodeState} */
  readonly state: Uint8Array
  /** totals over all nodes */
  readonly totals: NetworkTotals = { messages: 0, bytes: 0, lost: 0, undelivered: 0, failedSends: 0 }
  /** messages by class (see {@link MessageClassifier}); only with a classifier (else all are data) */
  readonly byClass = new Map<string, number>()
  /** bytes by class, as {@link SimulatedNetwork.byClass} */
  readonly bytesByClass = new Map<string, number>()

  readonly #set: StakedSet
  readonly #peers: Peer[] = []
  readonly #transports: Array<SimulatedTransport | undefined> = []
  readonly #crashedAt = new Map<number, number>()
  readonly #loss: number
  readonly #lossRandom: Random
  readonly #classify: MessageClassifier | undefined
  readonly #onReceive: ((to: number, from: number, hop: number) => void) | undefined
  readonly #hopOf: ((node: number) => number) | undefined
  #handlingNode = -1
  /** the node crashing on receipt whose handler runs now: only its ACKs leave (see #arrive) */
  #ackOnlyNode = -1
  #handlingHop = 0
  readonly #protocols: string[] = []
  readonly #sentPromises = new Map<string, Promise<string>>()
  readonly #protocolIds = new Map<string, number>()
  #lastProtocol = ''
  #lastProtocolId = -1
  readonly #arriveKind: number
  readonly #callKind: number
  readonly #crashKind: number

  /**
   * @param engine - the engine to schedule on
   * @param init - the nodes, links and loss
   * @throws {InvalidConfigError} for an invalid option
   */
  constructor (engine: Engine, init: SimulatedNetworkInit) {
    this.engine = engine
    this.clock = new VirtualClock(engine)
    this.#set = init.peers
    const n = init.peers.size
    this.size = n
    for (let i = 0; i < n; i++) {
      this.#peers.push(init.peers.getPeer(init.peers.addresses.at(i)) as Peer)
      this.#transports.push(undefined)
    }
    const seed = init.seed ?? 1
    this.links = new Links(n, {
      latency: latencyOption('latency', init.latency ?? 0),
      uploadMbps: bandwidthOption('uploadMbps', init.uploadMbps ?? null),
      downloadMbps: bandwidthOption('downloadMbps', init.downloadMbps ?? null),
      seed
    })
    this.#loss = fractionOption('loss', init.loss ?? 0)
    this.#lossRandom = new Random(seed, 5)
    this.#classify = init.classify
    this.#onReceive = init.onReceive
    this.#hopOf = init.hopOf
    this.reads = new Uint32Array(n)
    this.writes = new Uint32Array(n)
    this.uploadBytes = new Float64Array(n)
    this.state = new Uint8Array(n)
    this.#arriveKind = engine.register((to, from, protocol, hop, departure, bytes) => {
      this.#arrive(to, from, protocol, hop, departure, bytes as Uint8Array)
    })
    this.#callKind = engine.register((node, _b, _c, _d, _x, callback) => {
      if (this.isUp(node)) (callback as () => void)()
    })
    this.#crashKind = engine.register((node) => { this.crash(node) })
  }

  /** The node whose handler is running (synchronously) right now, or −1 outside a handler. */
  get handlingNode (): number {
    return this.#handlingNode
  }

  /**
   * The hop count of the message the running handler handles (see {@link SimulatedNetwork.handlingNode}). A
   * message's hop count is one more than that of the message its sender was handling when it sent it (or than
   * `hopOf(sender)` outside a handler): the length of the path that copy took from the originator.
   */
  get handlingHop (): number {
    return this.#handlingHop
  }

  /** Node `node`'s peer (address, public key). */
  peer (node: number): Peer {
    return this.#peers[node] as Peer
  }

  /** Node `node`'s transport (made on first use). */
  transport (node: number): SimulatedTransport {
    let t = this.#transports[node]
    if (t === undefined) {
      if (!(node >= 0 && node < this.size)) throw new RangeError(`node ${node} out of range [0, ${this.size})`)
      t = new SimulatedTransport(this, node)
      this.#transports[node] = t
    }
    return t
  }

  /** Whether node `node` is up (not dead, not crashed). */
  isUp (node: number): boolean {
    const s = this.state[node]
    return s === NodeState.up || s === NodeState.crashOnReceive
  }

  /** Marks `node` dead (before the run: it never comes up). */
  kill (node: number): void {
    this.state[node] = NodeState.dead
  }

  /** Crashes `node` now: it receives and sends nothing more; what is still on its uplink is lost. */
  crash (node: number): void {
    if (!this.isUp(node)) return
    this.state[node] = NodeState.crashed
    this.#crashedAt.set(node, this.engine.now)
  }

  /** Crashes `node` at virtual time `atMs`. */
  crashAt (node: number, atMs: number): void {
    this.engine.schedule(atMs, this.#crashKind, node)
  }

  /**
   * Makes `node` crash as soon as a data message reaches it (a control frame, e.g. a clean-up query, does not): its
   * handler runs, but of what it sends only the ACKs made while it handles that message leave (a RainTree router
   * ACKs a range before forwarding it); then it is down.
   */
  crashOnReceive (node: number): void {
    if (this.state[node] === NodeState.up) this.state[node] = NodeState.crashOnReceive
  }

  /** When `node` crashed, or undefined. */
  crashedAt (node: number): number | undefined {
    return this.#crashedAt.get(node)
  }

  /** The node index of `peer` (a peer, or a message's sender) in this network, or −1 when it is not one of its nodes. */
  indexOf (peer: { readonly address: Address }): number {
    // a synthetic peer knows its index: O(1) instead of a binary search over N addresses
    if (peer instanceof SyntheticPeer && peer.node >= 0 && this.#peers[peer.node] === peer) return peer.node
    return this.#set.addresses.indexOf(peer.address)
  }

  /** What {@link SimulatedTransport.sendTo} does: see there. */
  send (from: number, peer: Peer, protocols: string | readonly string[], bytes: Uint8Array, options?: AbortOptions): Promise<string> {
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (!this.isUp(from)) return NEVER
    const engine = this.engine
    const now = engine.now
    const links = this.links
    const to = this.indexOf(peer)
    if (to < 0 || !this.isUp(to)) {
      this.totals.failedSends++
      // a phantom is as far as the real node it sorts next to
      const near = to >= 0 ? to : this.#set.addresses.lowerBound(peer.address) % this.size
      const rtt = 2 * links.latency(from, near)
      const reason = to < 0 ? 'not in the network (simulated)' : 'the node is down (simulated)'
      return new Promise((_resolve, reject) => {
        engine.schedule(now + rtt, this.#callKind, from, 0, 0, 0, 0, () => { reject(new PeerUnreachableError(peer.address, reason)) })
      })
    }
    // negotiation: the first protocol the receiver handles now (one protocol is taken as offered, as on libp2p's v1)
    const protocol = typeof protocols === 'string' ? protocols : protocols.find(p => this.#transports[to]?.handlerFor(p) !== undefined)
    if (protocol === undefined) {
      this.totals.failedSends++
      const rtt = 2 * links.latency(from, to)
      return new Promise((_resolve, reject) => {
        engine.schedule(now + rtt, this.#callKind, from, 0, 0, 0, 0, () => {
          reject(new PeerUnreachableError(peer.address, `none of the protocols ${[protocols].flat().join(', ')} is supported (simulated)`))
        })
      })
    }
    // what a node crashing on receipt would forward never leaves it (a crashed node's sends never settle)
    if (from === this.#ackOnlyNode && rainTreeFrameKind(bytes) !== 'ack') return new Promise(() => {})
    const size = bytes.length
    const departure = links.depart(from, size, now)
    this.writes[from]!++
    this.uploadBytes[from]! += size
    const totals = this.totals
    totals.messages++
    totals.bytes += size
    if (this.#classify !== undefined) {
      const cls = this.#classify(bytes, protocol, from, to)
      this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + 1)
      this.bytesByClass.set(cls, (this.bytesByClass.get(cls) ?? 0) + size)
    }
    if (this.#loss > 0 && this.#lossRandom.next() < this.#loss) {
      totals.lost++
    } else {
      const at = links.arrive(to, size, departure, links.latency(from, to))
      const hop = (from === this.#handlingNode ? this.#handlingHop : (this.#hopOf?.(from) ?? 0)) + 1
      engine.schedule(at, this.#arriveKind, to, from, this.#protocolId(protocol), hop, departure, bytes)
    }
    if (departure <= now) return this.#sent(protocol)
    return new Promise(resolve => { engine.schedule(departure, this.#callKind, from, 0, 0, 0, 0, () => { resolve(protocol) }) })
  }

  /** A settled send's result: one promise per protocol, shared (no allocation per message). */
  #sent (protocol: string): Promise<string> {
    let sent = this.#sentPromises.get(protocol)
    if (sent === undefined) {
      sent = Promise.resolve(protocol)
      this.#sentPromises.set(protocol, sent)
    }
    return sent
  }

  #protocolId (protocol: string): number {
    if (protocol === this.#lastProtocol) return this.#lastProtocolId
    let id = this.#protocolIds.get(protocol)
    if (id === undefined) {
      id = this.#protocols.length
      this.#protocols.push(protocol)
      this.#protocolIds.set(protocol, id)
    }
    this.#lastProtocol = protocol
    this.#lastProtocolId = id
    return id
  }

  #arrive (to: number, from: number, protocol: number, hop: number, departure: number, bytes: Uint8Array): void {
    // the sender crashed before the message had left: it never did
    if (this.#crashedAt.size > 0) {
      const crashed = this.#crashedAt.get(from)
      if (crashed !== undefined && crashed < departure) {
        this.totals.undelivered++
        return
      }
    }
    const state = this.state[to]
    // what crashes a node on receipt is the message itself, not a control frame about it (a clean-up query)
    const crashing = state === NodeState.crashOnReceive && rainTreeFrameKind(bytes) === 'data'
    const handler = state === NodeState.up || state === NodeState.crashOnReceive ? this.#transports[to]?.handlerFor(this.#protocols[protocol] as string) : undefined
    if (crashing && handler === undefined) {
      this.reads[to]!++
      this.#onReceive?.(to, from, hop)
      this.crash(to)
      return
    }
    if (handler === undefined) {
      this.totals.undelivered++
      return
    }
    this.reads[to]!++
    this.#onReceive?.(to, from, hop)
    this.#handlingNode = to
    this.#handlingHop = hop
    // a node crashing on receipt runs the synchronous part of its handler — a RainTree router ACKs a range there,
    // before it forwards anything — lets only those ACKs leave, and crashes
    if (crashing) this.#ackOnlyNode = to
    try {
      const result = handler(bytes, this.#peers[from] as Peer, this.#protocols[protocol] as string)
      if (result instanceof Promise) result.catch(() => {})
    } catch {
      // a handler's failure is the handler's business, as on a real transport
    } finally {
      this.#handlingNode = -1
      this.#ackOnlyNode = -1
    }
    if (crashing) this.crash(to)
  }
}
