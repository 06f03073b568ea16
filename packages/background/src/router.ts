import { setMaxListeners } from 'node:events'
import { TopicValidatorResult, type GossipSub, type GossipsubMessage, type Message } from '@libp2p/gossipsub'
import {
  BACKGROUND_PROTOCOL_ID, BACKGROUND_TOPIC, multiaddrToServiceUrl, peerIdOf, serviceUrlToMultiaddr
} from '@pokt-p2p/transport'
import {
  InvalidConfigError, MessageTooLargeError, NotStartedError, Peerstore, TimeoutError, TypedEventTarget, UnknownPeerError,
  addressFromPublicKey, createPeer, decodeBackgroundMessage, encodeBackgroundMessage,
  type AbortOptions, type Address, type MessageTransport, type Peer, type ReadonlyPeerstore, type RemoteSender,
  type Router, type RouterEvents
} from '@pokt-p2p/types'
import { backoffDelay, resolveBackgroundInit, type BackgroundInit, type ResolvedBackgroundInit } from './options.js'
import { DHT_SERVICE, PUBSUB_SERVICE, unsubscribeBackoffMs } from './services.js'
import { INVALID_REASONS, checkBackgroundMessage, type InvalidReason } from './validator.js'
import type { IdentifyResult, Libp2p, PeerId, PeerInfo } from '@libp2p/interface'

type Multiaddr = PeerInfo['multiaddrs'][number]

/** What {@link background} needs at construction. */
export interface BackgroundComponents {
  /** A libp2p node created with `createNode({ services: backgroundServices(init) })`, started or not. */
  node: Libp2p
  /** Unicast over the same node (`new Libp2pMessageTransport(node)`), used for `send` and inbound sends. */
  transport: MessageTransport
  /** This node's pocket address. @default transport.localAddress */
  selfAddress?: Address
  /** Initial peers: the staked set at the current height plus configured bootstrap peers; all are dialled. */
  peers?: Iterable<Peer>
  /**
   * Where a peer listens. Pass the same function as the transport's `resolveAddresses` (a memory network passes
   * `p => [memoryMultiaddr(p.address)]`). @default the multiaddr of the peer's service URL (none when it is empty)
   */
  resolveAddresses?: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
}

const serviceUrlAddresses = async (peer: Peer): Promise<Multiaddr[]> =>
  peer.serviceUrl === '' ? [] : [await serviceUrlToMultiaddr(peer.serviceUrl)]

/** Why one bootstrap peer could not be connected. */
export interface BootstrapFailure {
  /** the pocket address of the peer */
  address: Address
  /** attempts made (at most `bootstrapRetries`) */
  attempts: number
  /** message of the last error */
  reason: string
}

/** How a peer entered the background peerstore. */
export type DiscoverySource = 'dht' | 'connection' | 'unicast'

/** Events of the background router: the router `message` event plus bootstrap, discovery and rejection. */
export interface BackgroundEvents extends RouterEvents {
  /** bootstrap began; `peers` are the addresses it dials (every initial peer except self) */
  'bootstrap:started': {
    /** the pocket addresses to dial */
    peers: Address[]
  }
  /**
   * at least one bootstrap peer is connected (or there was none to dial: the first node of a network). Peers that
   * failed are listed too.
   */
  'bootstrap:succeeded': {
    /** the peers connected */
    connected: Address[]
    /** the peers that could not be connected, and why */
    failed: BootstrapFailure[]
    /** how long bootstrap took, in ms */
    durationMs: number
  }
  /** no bootstrap peer could be connected after all retries; the reason per peer */
  'bootstrap:failed': {
    /** every peer dialled, and why it could not be connected */
    failed: BootstrapFailure[]
    /** how long bootstrap took, in ms */
    durationMs: number
  }
  /** a peer entered the background peerstore through the DHT, an inbound/outbound connection or a unicast message */
  'peer:discovered': {
    /** the new peer */
    peer: Peer
    /** how it was found */
    source: DiscoverySource
  }
  /** an invalid message was refused (gossip: by the topic validator at the first hop; unicast: on arrival) */
  'message:rejected': {
    /** why it was refused */
    reason: InvalidReason
    /** how it arrived */
    via: 'gossip' | 'unicast'
    /** the authenticated sender, when known (the gossip hop it came from, or the unicast sender) */
    from?: Address
    /** the error describing the problem */
    error: Error
  }
}

/** Counters since construction (they survive stop/start). */
export interface BackgroundStats {
  /** broadcasts handed to gossipsub */
  published: number
  /** local broadcasts refused before publishing (invalid or oversize envelope) */
  publishRejected: number
  /** gossip messages delivered as `message` events (own broadcasts included when `emitSelf`) */
  delivered: number
  /** gossip messages the topic validator rejected (never delivered nor forwarded) */
  rejectedInvalid: number
  /** validator and unicast rejections by reason */
  rejectedByReason: Record<InvalidReason, number>
  /** unicast messages sent */
  sent: number
  /** unicast sends that failed (`send` threw) */
  sendFailures: number
  /** valid unicast messages received */
  unicastReceived: number
  /** invalid unicast messages dropped */
  unicastRejected: number
  /** peers added to the peerstore by discovery */
  peersDiscovered: number
  /** failed dial attempts during bootstrap (each retry counts) */
  bootstrapDialFailures: number
  /** DHT lookups run (after bootstrap and by connection maintenance) */
  dhtLookups: number
}

interface Deferred { promise: Promise<void> }

/** Upper bound of one DHT lookup. */
const LOOKUP_DEADLINE_MS = 60_000

/** Runs `fn` with a signal that aborts when `signal` does or after `ms`; the timer is always cleared. */
async function withDeadline<T> (signal: AbortSignal, ms: number, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  signal.throwIfAborted()
  const ctl = new AbortController()
  // a DHT lookup hands this signal to every sub-query and dial it makes, each adding a listener: more than Node's
  // default warning threshold of 10 is expected, and each is removed when its operation ends
  setMaxListeners(Infinity, ctl.signal)
  const timer = setTimeout(() => { ctl.abort(new TimeoutError(`${what} timed out after ${ms} ms`)) }, ms)
  const onAbort = (): void => { ctl.abort(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await fn(ctl.signal)
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first; never leaves a timer behind. */
async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal.reason) }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function isTcp (ma: Multiaddr): boolean {
  return ma.getComponents().some(c => c.name === 'tcp')
}

/**
 * The pocket peer of a libp2p peer: address and key from the ed25519 key its id embeds (the only thing trusted),
 * service URL from the first TCP multiaddr that converts (empty when none does). `undefined` for non-ed25519 ids.
 */
export function peerFromLibp2p (peerId: PeerId, multiaddrs: Iterable<Multiaddr> = []): Peer | undefined {
  const key = peerId.publicKey
  if (key?.type !== 'Ed25519') return undefined
  let serviceUrl = ''
  for (const ma of multiaddrs) {
    if (!isTcp(ma)) continue
    try {
      serviceUrl = multiaddrToServiceUrl(ma)
      break
    } catch {
      // not ip4/ip6: try the next address
    }
  }
  return createPeer(key.raw, serviceUrl)
}

function addressOfPeerId (peerId: PeerId): Address | undefined {
  const key = peerId.publicKey
  return key?.type === 'Ed25519' ? addressFromPublicKey(key.raw) : undefined
}

/**
 * The background router (reference `p2p/background`): gossipsub broadcast on `pokt/background`, unicast on
 * `pokt/background/v1.0.0`, kad-dht discovery, for every participant. Create it with {@link background}.
 *
 * Lifecycle: `start()` starts the node if it is not running (and `stop()` then stops it again), installs the topic
 * validator, subscribes, registers the unicast handler, and resolves once the bootstrap has settled: every initial
 * peer connected or out of retries. It never throws for unreachable peers; `bootstrap:failed` reports them and
 * connection maintenance keeps trying. `stop()` aborts all of that and leaves no timer behind.
 */
export class BackgroundRouter implements Router {
  readonly name = 'background'
  readonly events = new TypedEventTarget<BackgroundEvents>()
  /** Live counters (the same object is updated in place). */
  readonly stats: BackgroundStats = {
    published: 0,
    publishRejected: 0,
    delivered: 0,
    rejectedInvalid: 0,
    rejectedByReason: Object.fromEntries(INVALID_REASONS.map(r => [r, 0])) as Record<InvalidReason, number>,
    sent: 0,
    sendFailures: 0,
    unicastReceived: 0,
    unicastRejected: 0,
    peersDiscovered: 0,
    bootstrapDialFailures: 0,
    dhtLookups: 0
  }

  readonly #node: Libp2p
  readonly #pubsub: GossipSub
  readonly #transport: MessageTransport
  readonly #self: Address
  readonly #cfg: ResolvedBackgroundInit
  readonly #peerstore: Peerstore
  readonly #resolveAddresses: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]

  #started = false
  #stoppedAt = -Infinity
  #ownsNode = false
  #controller: AbortController | undefined
  #queue: Promise<void> = Promise.resolve()
  #timer: ReturnType<typeof setInterval> | undefined
  #maintaining: Deferred | undefined
  readonly #tasks = new Set<Promise<unknown>>()
  readonly #dialing = new Set<string>()

  constructor (components: BackgroundComponents, init: BackgroundInit = {}) {
    this.#cfg = resolveBackgroundInit(init)
    const services = components.node.services as Record<string, unknown>
    const pubsub = services[PUBSUB_SERVICE] as GossipSub | undefined
    if (pubsub?.topicValidators === undefined) {
      throw new InvalidConfigError('node', `has no gossipsub service "${PUBSUB_SERVICE}": create it with createNode({ services: backgroundServices(init) })`)
    }
    if (services[DHT_SERVICE] === undefined) {
      throw new InvalidConfigError('node', `has no kad-dht service "${DHT_SERVICE}": create it with createNode({ services: backgroundServices(init) })`)
    }
    this.#node = components.node
    this.#pubsub = pubsub
    this.#transport = components.transport
    this.#self = components.selfAddress ?? components.transport.localAddress
    this.#resolveAddresses = components.resolveAddresses ?? serviceUrlAddresses
    this.#peerstore = new Peerstore()
    for (const p of components.peers ?? []) {
      if (!this.#peerstore.has(p.address)) this.#peerstore.addPeer(p)
    }
  }

  isStarted (): boolean {
    return this.#started
  }

  async start (): Promise<void> {
    await this.#serial(async () => { await this.#doStart() })
  }

  async stop (): Promise<void> {
    // abort first, so a start still bootstrapping returns promptly instead of finishing its retries
    this.#controller?.abort(new NotStartedError('background router stopped'))
    await this.#serial(async () => { await this.#doStop() })
  }

  async broadcast (data: Uint8Array, options: AbortOptions = {}): Promise<void> {
    if (!this.#started) throw new NotStartedError('background router is not started')
    options.signal?.throwIfAborted()
    const bytes = encodeBackgroundMessage(data)
    // gossipsub does not validate local publishes; the reference did (a rejected publish returned an error)
    const check = checkBackgroundMessage(bytes, this.#cfg.maxMessageBytes)
    if (!check.ok) {
      this.stats.publishRejected++
      throw check.error
    }
    await this.#pubsub.publish(BACKGROUND_TOPIC, bytes)
    this.stats.published++
  }

  async send (data: Uint8Array, address: Address, options: AbortOptions = {}): Promise<void> {
    if (address === this.#self) return
    if (!this.#started) throw new NotStartedError('background router is not started')
    const peer = this.#peerstore.getPeer(address)
    if (peer === undefined) throw new UnknownPeerError(address)
    const bytes = encodeBackgroundMessage(data)
    if (bytes.length > this.#cfg.maxMessageBytes) {
      throw new MessageTooLargeError(bytes.length, this.#cfg.maxMessageBytes, 'background message')
    }
    try {
      await this.#transport.sendTo(peer, BACKGROUND_PROTOCOL_ID, bytes, options)
      this.stats.sent++
    } catch (err) {
      this.stats.sendFailures++
      throw err
    }
  }

  async addPeer (peer: Peer): Promise<void> {
    if (this.#peerstore.has(peer.address)) return
    this.#peerstore.addPeer(peer)
    if (this.#started && peer.address !== this.#self) this.#maybeDial(peer)
  }

  async removePeer (address: Address): Promise<void> {
    this.#peerstore.removePeer(address)
  }

  getPeerstore (): ReadonlyPeerstore {
    return this.#peerstore
  }

  /** Peers gossipsub knows to be subscribed to the topic (diagnostics). */
  topicPeerCount (): number {
    return this.#started ? this.#pubsub.getSubscribers(BACKGROUND_TOPIC).length : 0
  }

  /** Size of this node's gossipsub mesh for the topic (diagnostics). */
  meshPeerCount (): number {
    const ps = this.#pubsub as unknown as { getMeshPeers?: (topic: string) => string[] }
    return this.#started ? (ps.getMeshPeers?.(BACKGROUND_TOPIC).length ?? 0) : 0
  }

  /** Peers the node is connected to. */
  connectedPeerCount (): number {
    return this.#node.status === 'started' ? this.#node.getPeers().length : 0
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  async #serial (fn: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(fn)
    this.#queue = run.catch(() => {})
    await run
  }

  async #doStart (): Promise<void> {
    if (this.#started) return
    const controller = new AbortController()
    // every pending dial and backoff listens to it; dozens at once are normal
    setMaxListeners(Infinity, controller.signal)
    this.#controller = controller
    try {
      if (this.#node.status !== 'started') {
        await this.#node.start()
        this.#ownsNode = true
      }
      // Rejoining inside the backoff our last leave announced would earn a one-minute prune from every peer
      const rejoinAt = this.#stoppedAt + unsubscribeBackoffMs(this.#cfg.heartbeatIntervalMs) + 3 * this.#cfg.heartbeatIntervalMs
      const wait = rejoinAt - performance.now()
      if (wait > 0) await sleep(wait, controller.signal)
      this.#pubsub.topicValidators.set(BACKGROUND_TOPIC, this.#validate)
      this.#pubsub.addEventListener('gossipsub:message', this.#onGossip)
      this.#pubsub.subscribe(BACKGROUND_TOPIC)
      this.#transport.handle(BACKGROUND_PROTOCOL_ID, this.#onUnicast)
      this.#node.addEventListener('peer:discovery', this.#onDiscovery)
      this.#node.addEventListener('peer:identify', this.#onIdentify)
      this.#timer = setInterval(this.#onTick, this.#cfg.discoveryIntervalMs)
      this.#started = true
    } catch (err) {
      await this.#teardown()
      throw err
    }
    await this.#bootstrap(controller.signal)
    if (!controller.signal.aborted) this.#track(this.#lookup(controller.signal))
  }

  async #doStop (): Promise<void> {
    if (!this.#started && !this.#ownsNode) return
    await this.#teardown()
  }

  async #teardown (): Promise<void> {
    this.#started = false
    this.#controller?.abort(new NotStartedError('background router stopped'))
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#node.removeEventListener('peer:discovery', this.#onDiscovery)
    this.#node.removeEventListener('peer:identify', this.#onIdentify)
    this.#transport.unhandle(BACKGROUND_PROTOCOL_ID)
    this.#pubsub.removeEventListener('gossipsub:message', this.#onGossip)
    if (this.#pubsub.getTopics().includes(BACKGROUND_TOPIC)) {
      this.#pubsub.unsubscribe(BACKGROUND_TOPIC)
      this.#stoppedAt = performance.now()
    }
    if (this.#pubsub.topicValidators.get(BACKGROUND_TOPIC) === this.#validate) {
      this.#pubsub.topicValidators.delete(BACKGROUND_TOPIC)
    }
    await Promise.allSettled([...this.#tasks])
    if (this.#ownsNode) {
      this.#ownsNode = false
      await this.#node.stop()
    }
  }

  #track (task: Promise<unknown>): void {
    const t = task.catch(() => {}).finally(() => { this.#tasks.delete(t) })
    this.#tasks.add(t)
  }

  // ---- messages -------------------------------------------------------------------------------------------------

  readonly #validate = (from: PeerId, msg: Message): TopicValidatorResult => {
    const check = checkBackgroundMessage(msg.data, this.#cfg.maxMessageBytes)
    if (check.ok) return TopicValidatorResult.Accept
    this.stats.rejectedInvalid++
    this.stats.rejectedByReason[check.reason]++
    this.events.dispatch('message:rejected', { reason: check.reason, via: 'gossip', from: addressOfPeerId(from), error: check.error })
    return TopicValidatorResult.Reject
  }

  readonly #onGossip = (evt: CustomEvent<GossipsubMessage>): void => {
    const { msg, propagationSource } = evt.detail
    if (msg.topic !== BACKGROUND_TOPIC) return
    let data: Uint8Array
    try {
      data = decodeBackgroundMessage(msg.data).data // validated already (remote) or before publishing (local)
    } catch {
      return
    }
    if (data.length === 0) return
    this.stats.delivered++
    this.events.dispatch('message', { data, router: this.name, from: addressOfPeerId(propagationSource) })
  }

  readonly #onUnicast = (bytes: Uint8Array, from: RemoteSender): void => {
    if (!this.#started) return
    const check = checkBackgroundMessage(bytes, this.#cfg.maxMessageBytes)
    if (!this.#peerstore.has(from.address)) {
      // the reference's unicast PeerHandler = AddPeer: the sender's key is authenticated by the connection
      this.#admit(createPeer(from.publicKey, ''), 'unicast')
    }
    if (!check.ok) {
      this.stats.unicastRejected++
      this.stats.rejectedByReason[check.reason]++
      this.events.dispatch('message:rejected', { reason: check.reason, via: 'unicast', from: from.address, error: check.error })
      return
    }
    this.stats.unicastReceived++
    this.events.dispatch('message', { data: check.data, router: this.name, from: from.address })
  }

  // ---- discovery ------------------------------------------------------------------------------------------------

  /** Adds a discovered peer (or fills in the service URL of one known only by key). Returns whether it was new. */
  #admit (peer: Peer, source: DiscoverySource): boolean {
    if (peer.address === this.#self) return false
    const known = this.#peerstore.getPeer(peer.address)
    if (known !== undefined) {
      if (known.serviceUrl === '' && peer.serviceUrl !== '') {
        this.#peerstore.removePeer(peer.address)
        this.#peerstore.addPeer(peer)
      }
      return false
    }
    this.#peerstore.addPeer(peer)
    this.stats.peersDiscovered++
    this.events.dispatch('peer:discovered', { peer, source })
    return true
  }

  readonly #onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    if (!this.#started) return
    const peer = peerFromLibp2p(evt.detail.id, evt.detail.multiaddrs)
    if (peer === undefined) return
    this.#admit(peer, 'dht')
    this.#maybeDial(peer, evt.detail.id)
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (!this.#started) return
    const { peerId, protocols, listenAddrs } = evt.detail
    // only pocket participants: peers speaking the background unicast protocol or our DHT
    if (!protocols.includes(BACKGROUND_PROTOCOL_ID) && !protocols.includes(this.#cfg.dhtProtocol)) return
    const peer = peerFromLibp2p(peerId, listenAddrs)
    if (peer !== undefined) this.#admit(peer, 'connection')
  }

  /** One dial attempt to `peer` when the node is below `minConnections` and not connected to it already. */
  #maybeDial (peer: Peer, peerId?: PeerId): void {
    if (!this.#started || this.#controller === undefined) return
    if (this.#node.getPeers().length + this.#dialing.size >= this.#cfg.minConnections) return
    if (this.#dialing.has(peer.address)) return
    let id: PeerId
    try {
      id = peerId ?? peerIdOf(peer)
    } catch {
      return
    }
    if (this.#node.getConnections(id).length > 0) return
    this.#dialing.add(peer.address)
    const signal = this.#controller.signal
    this.#track(this.#dialOnce(peer, id, signal).finally(() => { this.#dialing.delete(peer.address) }))
  }

  /** Registers the peer's addresses with libp2p (when it has any) and dials it once. */
  async #dialOnce (peer: Peer, id: PeerId, signal: AbortSignal): Promise<void> {
    await withDeadline(signal, this.#cfg.dialTimeoutMs, `dial ${peer.address}`, async s => {
      const multiaddrs = await this.#resolveAddresses(peer)
      s.throwIfAborted()
      if (multiaddrs.length > 0) await this.#node.peerStore.merge(id, { multiaddrs })
      await this.#node.dial(id, { signal: s })
    })
  }

  /**
   * Dials every initial peer except self (or the `bootstrapPeerLimit` following self in address order), in
   * parallel, each with up to `bootstrapRetries` attempts and exponential backoff. The reference stopped at self and
   * failed the module after one unreachable peer.
   */
  async #bootstrap (signal: AbortSignal): Promise<void> {
    const others = this.#peerstore.getPeerList().filter(p => p.address !== this.#self)
      .sort((a, b) => a.address < b.address ? -1 : 1)
    const after = others.findIndex(p => p.address > this.#self)
    const ring = after <= 0 ? others : [...others.slice(after), ...others.slice(0, after)]
    const targets = ring.slice(0, Math.min(ring.length, this.#cfg.bootstrapPeerLimit))
    const t0 = performance.now()
    this.events.dispatch('bootstrap:started', { peers: targets.map(p => p.address) })
    const results = await Promise.all(targets.map(async p => await this.#connectWithRetry(p, signal)))
    if (signal.aborted) return
    const connected: Address[] = []
    const failed: BootstrapFailure[] = []
    results.forEach((r, i) => {
      if (r === true) connected.push((targets[i] as Peer).address)
      else failed.push(r)
    })
    const durationMs = performance.now() - t0
    if (targets.length === 0 || connected.length > 0) {
      this.events.dispatch('bootstrap:succeeded', { connected, failed, durationMs })
    } else {
      this.events.dispatch('bootstrap:failed', { failed, durationMs })
    }
  }

  async #connectWithRetry (peer: Peer, signal: AbortSignal): Promise<true | BootstrapFailure> {
    let id: PeerId
    try {
      id = peerIdOf(peer)
    } catch (err) {
      return { address: peer.address, attempts: 0, reason: errorMessage(err) }
    }
    let reason = ''
    const max = this.#cfg.bootstrapRetries
    for (let attempt = 1; attempt <= max; attempt++) {
      if (signal.aborted) return { address: peer.address, attempts: attempt - 1, reason: 'stopped' }
      try {
        await this.#dialOnce(peer, id, signal)
        return true
      } catch (err) {
        if (signal.aborted) return { address: peer.address, attempts: attempt, reason: 'stopped' }
        this.stats.bootstrapDialFailures++
        reason = errorMessage(err)
      }
      if (attempt < max) {
        try {
          await sleep(backoffDelay(attempt, this.#cfg.bootstrapBackoffMs, this.#cfg.bootstrapBackoffMaxMs), signal)
        } catch {
          return { address: peer.address, attempts: attempt, reason: 'stopped' }
        }
      }
    }
    return { address: peer.address, attempts: max, reason }
  }

  /**
   * A DHT lookup of our own id: fills the routing table, and every peer it meets is a `peer:discovery`. The lookup
   * runs to completion (kad-dht bounds each request): cutting a query short aborts the signal its dials used, and
   * `@libp2p/tcp` binds that signal to the socket for its whole life, so the connections the query opened would
   * close with it. The deadline is only a safety net, e.g. for a lookup waiting for a first routing-table entry.
   */
  async #lookup (signal: AbortSignal): Promise<void> {
    this.stats.dhtLookups++
    await withDeadline(signal, LOOKUP_DEADLINE_MS, 'DHT lookup', async s => {
      const key = this.#node.peerId.toMultihash().bytes
      for await (const info of this.#node.peerRouting.getClosestPeers(key, { signal: s })) {
        const peer = peerFromLibp2p(info.id, info.multiaddrs)
        if (peer === undefined) continue
        this.#admit(peer, 'dht')
        this.#maybeDial(peer, info.id)
      }
    })
  }

  readonly #onTick = (): void => {
    if (!this.#started || this.#maintaining !== undefined || this.#controller === undefined) return
    if (this.#node.getPeers().length >= this.#cfg.minConnections) return
    const signal = this.#controller.signal
    const promise = this.#maintain(signal).finally(() => { this.#maintaining = undefined })
    this.#maintaining = { promise }
    this.#track(promise)
  }

  /** Connection maintenance: with no connection at all, one dial to every known peer; then a DHT lookup. */
  async #maintain (signal: AbortSignal): Promise<void> {
    if (this.#node.getPeers().length === 0) {
      for (const peer of this.#peerstore.getPeerList()) {
        if (peer.address !== this.#self) this.#maybeDial(peer)
      }
    }
    await this.#lookup(signal)
  }
}

/**
 * The background router factory, js-libp2p style: `background(init)` returns a function of the components.
 * Use the same `init` as for {@link backgroundServices}.
 *
 * @throws {InvalidConfigError} an invalid option, or a node without the background services
 */
export function background (init: BackgroundInit = {}): (components: BackgroundComponents) => BackgroundRouter {
  resolveBackgroundInit(init) // fail early on bad options
  return components => new BackgroundRouter(components, init)
}
