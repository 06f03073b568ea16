import { TopicValidatorResult, type GossipSub, type GossipsubMessage, type Message } from '@libp2p/gossipsub'
import delay from 'delay'
import { BACKGROUND_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID, BACKGROUND_TOPIC, peerIdOf } from '@pokt-p2p/transport'
import {
  InvalidConfigError, Lifecycle, MessageTooLargeError, NotStartedError, Peerstore, TypedEvents, UnknownPeerError,
  checkEnvelope, defaultComponentLogger, encodeBackgroundMessage,
  type AbortOptions, type Address, type ComponentLogger, type DropReason, type Logger, type MessageTransport, type Metrics,
  type Peer, type ReadonlyPeerstore, type RemoteSender, type Router
} from '@pokt-p2p/types'
import { backgroundMetrics, type BackgroundMetrics } from '../metrics.js'
import { resolveBackgroundInit, type BackgroundInit, type ResolvedBackgroundInit } from '../options.js'
import { Connector } from '../peers/connector.js'
import type { BackgroundDropEvent, BackgroundEvents, GossipPeers } from '../events.js'
import { pocketAddressOf, serviceUrlAddresses, type Multiaddr } from '../peers/peer-info.js'
import { DHT_SERVICE, GOSSIPSUB_MAX_MESSAGE_BYTES, PUBSUB_SERVICE, setAppSpecificScore, unsubscribeBackoffMs } from '../services.js'
import { DecayingPenalties, TokenBuckets } from './rate-limit.js'
import { checkBackgroundMessage, type BackgroundMessageCheck } from './validator.js'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** What {@link background} needs at construction. */
export interface BackgroundComponents {
  /** A libp2p node created with `createNode({ services: backgroundServices(init) })`, started or not. */
  node: Libp2p
  /** Unicast over the same node (`messageTransport()({ node })`), used for `send` and inbound sends. */
  transport: MessageTransport
  /** This node's pocket address. @default transport.localAddress */
  selfAddress?: Address
  /** Initial peers: the staked set plus configured bootstrap peers; all are dialled. */
  peers?: Iterable<Peer>
  /**
   * Where a peer listens. Pass the same function as the transport's `resolveAddresses` (a memory network passes
   * `p => [memoryMultiaddr(p.address)]`). @default the multiaddr of the peer's service URL (none when it is empty)
   */
  resolveAddresses?: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
  /** Where the router logs, under `pokt:background`. @default defaultComponentLogger() of `@pokt-p2p/types` */
  logger?: ComponentLogger
  /** Where the router counts (`pokt_background_*`). @default none: nothing is counted */
  metrics?: Metrics
  /**
   * Whether an address is staked: gossip from unstaked originators is rate-limited (`unstakedPublishRate`).
   * @default the pinned peers: the initial `peers` and those given to `addPeer`, less those given to `removePeer`
   * (the p2p module passes the staked set and keeps it current that way; configured bootstrap peers count too)
   */
  isStaked?: (address: Address) => boolean
}

/** Originators whose publish rate is tracked at most (least recently seen forgotten first). */
const MAX_RATE_LIMITED_ORIGINATORS = 4096
/** Half-life of a peer's rate-limit penalty (its application-specific gossipsub score). */
const RATE_PENALTY_HALF_LIFE_MS = 60_000

/**
 * Direct sends go out on the framed stream protocol when the peer speaks it, else on the reference's one message
 * per stream; both are handled.
 */
const UNICAST_PROTOCOLS = [BACKGROUND_STREAM_PROTOCOL_ID, BACKGROUND_PROTOCOL_ID] as const

/** The gossipsub events after which the topic's subscriber and mesh counts may have changed. */
const GOSSIP_PEER_EVENTS = ['subscription-change', 'gossipsub:graft', 'gossipsub:prune', 'gossipsub:heartbeat'] as const

/** A valid gossip message, checked once, waiting for gossipsub to deliver it. */
type Checked = Extract<BackgroundMessageCheck, { ok: true }>

/**
 * The background router (reference `p2p/background`): gossipsub broadcast on `pokt/background`, unicast on
 * `pokt/background/v1.0.0`, kad-dht discovery, for every participant. Create it with {@link background}.
 *
 * This class is the gossip side (the `Router` API, the topic validator, inbound gossip and unicast, publishing);
 * its connections (bootstrap, dials, lookups, maintenance, discovery) are a `Connector`'s job.
 *
 * Lifecycle: `start()` starts the node if it is not running (and `stop()` then stops it again), installs the topic
 * validator, subscribes, registers the unicast handler, and resolves once the bootstrap has settled: every initial
 * peer connected or out of retries. It never throws for unreachable peers; `bootstrap:failed` reports them and
 * connection maintenance keeps trying. `stop()` aborts all of that (a `start()` still bootstrapping then resolves,
 * stopped) and leaves no timer behind.
 *
 * Each message is decoded once per node: the topic validator decodes and checks a gossip message and keeps the
 * result, keyed by the gossipsub `Message` object that gossipsub then hands to `gossipsub:message`; a broadcast
 * checks its envelope before encoding it and keys that result by the bytes it publishes (gossipsub delivers the
 * node's own copy with those very bytes); a unicast message is decoded and checked on arrival, without a size
 * check since the transport enforced the cap while reading.
 */
export class BackgroundRouter implements Router {
  readonly name = 'background'
  readonly events = new TypedEvents<BackgroundEvents>()

  readonly #node: Libp2p
  readonly #pubsub: GossipSub
  readonly #transport: MessageTransport
  readonly #self: Address
  readonly #cfg: ResolvedBackgroundInit
  readonly #peerstore: Peerstore
  readonly #log: Logger
  readonly #metrics: BackgroundMetrics
  readonly #connector: Connector
  readonly #lifecycle: Lifecycle
  /** valid gossip by the gossipsub `Message` (remote) or the published bytes (own broadcast), until delivered */
  readonly #checked = new WeakMap<object, Checked>()
  /** the owner's peers (initial, `addPeer`): the default staked set */
  readonly #pinned = new Set<Address>()
  readonly #isStaked: (address: Address) => boolean
  /** publish budgets of unstaked originators */
  readonly #publishBudget: TokenBuckets
  /** unstaked originators that sent more than their budget themselves, by libp2p peer id: minus their gossipsub score */
  readonly #ratePenalties = new DecayingPenalties(RATE_PENALTY_HALF_LIFE_MS, MAX_RATE_LIMITED_ORIGINATORS)
  /** the counts last sent with `gossip:peers` */
  #gossipPeers: GossipPeers = { topicPeers: 0, meshPeers: 0 }
  /** whether `start` started the node (then `stop` stops it) */
  #ownsNode = false
  /** when the router last left the topic (its PRUNEs announced a backoff from then on) */
  #leftAt = -Infinity

  /**
   * Use {@link background} (`background(init)(components)`).
   * @param components - the node, its message transport, the initial peers, logger and metrics
   * @param init - options; the same object as for {@link backgroundServices}
   * @throws {InvalidConfigError} an invalid option, or a node without the background services
   */
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
    this.#log = (components.logger ?? defaultComponentLogger()).forComponent('pokt:background')
    this.#metrics = backgroundMetrics(components.metrics)
    this.#peerstore = new Peerstore()
    for (const p of components.peers ?? []) {
      if (!this.#peerstore.has(p.address)) this.#peerstore.addPeer(p)
      this.#pinned.add(p.address)
    }
    this.#isStaked = components.isStaked ?? (address => this.#pinned.has(address))
    this.#publishBudget = new TokenBuckets(this.#cfg.unstakedPublishRate, this.#cfg.unstakedPublishBurst, MAX_RATE_LIMITED_ORIGINATORS)
    this.#metrics.peerstoreSize?.update(this.#peerstore.size)
    this.#connector = new Connector({
      node: this.#node,
      peerstore: this.#peerstore,
      selfAddress: this.#self,
      resolveAddresses: components.resolveAddresses ?? serviceUrlAddresses,
      log: this.#log,
      metrics: this.#metrics,
      events: this.events
    }, this.#cfg)
    this.#lifecycle = new Lifecycle({
      start: async options => { await this.#start(options) },
      stop: async () => { await this.#stop() }
    })
  }

  isStarted (): boolean {
    return this.#lifecycle.isStarted()
  }

  async start (): Promise<void> {
    await this.#lifecycle.start()
  }

  async stop (): Promise<void> {
    await this.#lifecycle.stop()
  }

  async broadcast (data: Uint8Array, options: AbortOptions = {}): Promise<void> {
    if (!this.isStarted()) throw new NotStartedError('background router is not started')
    options.signal?.throwIfAborted()
    const bytes = encodeBackgroundMessage(data)
    // gossipsub does not validate local publishes; the reference did (a rejected publish returned an error)
    if (bytes.length > this.#cfg.maxMessageBytes) {
      throw this.#refused(new MessageTooLargeError(bytes.length, this.#cfg.maxMessageBytes, 'background message'))
    }
    if (bytes.length > GOSSIPSUB_MAX_MESSAGE_BYTES) {
      throw this.#refused(new MessageTooLargeError(bytes.length, GOSSIPSUB_MAX_MESSAGE_BYTES,
        'background message (gossipsub sends no RPC over 4 MiB; unicast sends take up to maxMessageBytes)'))
    }
    const envelope = checkEnvelope(data)
    if (!envelope.ok) throw this.#refused(envelope.error)
    // kept for the node's own copy (emitSelf), which gossipsub delivers with these very bytes
    this.#checked.set(bytes, { ok: true, data, nonce: envelope.nonce, content: envelope.content })
    try {
      await this.#pubsub.publish(BACKGROUND_TOPIC, bytes)
    } catch (err) {
      this.#log.error('broadcast failed: %s', (err as Error).message)
      throw err
    }
    this.#metrics.messages?.increment({ published: true })
  }

  /** Counts and logs a broadcast refused before publishing; returns `error` for the caller to throw. */
  #refused (error: Error): Error {
    this.#metrics.messages?.increment({ publish_rejected: true })
    this.#log('broadcast refused: %s', error.message)
    return error
  }

  async send (data: Uint8Array, address: Address, options: AbortOptions = {}): Promise<void> {
    if (address === this.#self) return
    if (!this.isStarted()) throw new NotStartedError('background router is not started')
    const peer = this.#peerstore.getPeer(address)
    if (peer === undefined) throw new UnknownPeerError(address)
    const bytes = encodeBackgroundMessage(data)
    if (bytes.length > this.#cfg.maxMessageBytes) {
      throw new MessageTooLargeError(bytes.length, this.#cfg.maxMessageBytes, 'background message')
    }
    try {
      await this.#transport.sendTo(peer, UNICAST_PROTOCOLS, bytes, options)
    } catch (err) {
      this.#metrics.messages?.increment({ send_failed: true })
      this.#log.error('send to %s failed: %s', address, (err as Error).message)
      throw err
    }
    this.#metrics.messages?.increment({ sent: true })
  }

  async addPeer (peer: Peer): Promise<void> {
    // the owner's peers (the staked set, configured ones) are pinned: never evicted for discovered ones
    this.#connector.pin(peer.address)
    this.#pinned.add(peer.address)
    if (this.#peerstore.has(peer.address)) return
    this.#peerstore.addPeer(peer)
    this.#metrics.peerstoreSize?.update(this.#peerstore.size)
    this.#connector.peerAdded(peer)
  }

  async removePeer (address: Address): Promise<void> {
    // connections stay: RainTree may use them
    this.#connector.forget(address)
    this.#pinned.delete(address)
    if (this.#peerstore.removePeer(address)) this.#metrics.peerstoreSize?.update(this.#peerstore.size)
  }

  getPeerstore (): ReadonlyPeerstore {
    return this.#peerstore
  }

  /** Peers gossipsub knows to be subscribed to the topic (0 while this router is not subscribed). */
  topicPeerCount (): number {
    return this.#subscribed() ? this.#pubsub.getSubscribers(BACKGROUND_TOPIC).length : 0
  }

  /** Size of this node's gossipsub mesh for the topic (0 while this router is not subscribed). */
  meshPeerCount (): number {
    // getMeshPeers is on gossipsub's class, not on the interface its factory returns
    const pubsub = this.#pubsub as GossipSub & { getMeshPeers: (topic: string) => string[] }
    return this.#subscribed() ? pubsub.getMeshPeers(BACKGROUND_TOPIC).length : 0
  }

  /** Peers the node is connected to. */
  connectedPeerCount (): number {
    return this.#node.status === 'started' ? this.#node.getPeers().length : 0
  }

  #subscribed (): boolean {
    return this.#pubsub.getTopics().includes(BACKGROUND_TOPIC)
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  async #start ({ signal }: Required<AbortOptions>): Promise<void> {
    if (this.#node.status !== 'started') {
      await this.#node.start()
      this.#ownsNode = true
    }
    // rejoining inside the backoff our last leave announced would earn a one-minute prune from every peer
    const rejoinAt = this.#leftAt + unsubscribeBackoffMs(this.#cfg.heartbeatIntervalMs) + 3 * this.#cfg.heartbeatIntervalMs
    const wait = rejoinAt - performance.now()
    if (wait > 0) {
      this.#log('waiting %d ms for the unsubscribe backoff before rejoining the topic', Math.round(wait))
      await delay(wait, { signal })
    }
    this.#pubsub.topicValidators.set(BACKGROUND_TOPIC, this.#validate)
    setAppSpecificScore(this.#pubsub, this.#appScore)
    this.#pubsub.addEventListener('gossipsub:message', this.#onGossip)
    for (const type of GOSSIP_PEER_EVENTS) this.#pubsub.addEventListener(type, this.#onGossipPeers)
    this.#pubsub.subscribe(BACKGROUND_TOPIC)
    for (const protocol of UNICAST_PROTOCOLS) this.#transport.handle(protocol, this.#onUnicast)
    this.#log('started: subscribed to %s, %d initial peers', BACKGROUND_TOPIC, this.#peerstore.size)
    await this.#connector.start({ signal })
  }

  /** Undoes whatever `#start` did, also after a failed or cancelled start. */
  async #stop (): Promise<void> {
    for (const protocol of UNICAST_PROTOCOLS) this.#transport.unhandle(protocol)
    this.#pubsub.removeEventListener('gossipsub:message', this.#onGossip)
    for (const type of GOSSIP_PEER_EVENTS) this.#pubsub.removeEventListener(type, this.#onGossipPeers)
    // a stopped gossipsub has forgotten every subscription (and refuses unsubscribe)
    if (this.#subscribed()) {
      this.#pubsub.unsubscribe(BACKGROUND_TOPIC)
      this.#leftAt = performance.now()
    }
    if (this.#pubsub.topicValidators.get(BACKGROUND_TOPIC) === this.#validate) {
      this.#pubsub.topicValidators.delete(BACKGROUND_TOPIC)
    }
    setAppSpecificScore(this.#pubsub, undefined)
    this.#onGossipPeers()
    await this.#connector.stop()
    if (this.#ownsNode) {
      this.#ownsNode = false
      await this.#node.stop()
    }
    this.#log('stopped')
  }

  // ---- messages -------------------------------------------------------------------------------------------------

  readonly #validate = (from: PeerId, msg: Message): TopicValidatorResult => {
    const check = checkBackgroundMessage(msg.data, this.#cfg.maxMessageBytes)
    if (!check.ok) {
      this.#drop('gossip', check.reason, check.error, pocketAddressOf(from))
      return TopicValidatorResult.Reject
    }
    if (msg.type === 'signed' && !this.#withinBudget(from, msg.from)) return TopicValidatorResult.Ignore
    this.#checked.set(msg, check)
    return TopicValidatorResult.Accept
  }

  /**
   * Whether a valid message of `originator` (its signer) is within the originator's publish budget: always for a
   * staked one, else one token of its bucket. Over budget the message is ignored (not delivered, not forwarded),
   * and when the originator sent it itself it is penalised: its application-specific score drops by one (× weight
   * 10) per message, halving every minute, so a spammer is pruned and graylisted. A peer that only relayed the
   * message is not penalised: it forwarded what its own budget let through, and no honest relayer can know ours.
   * (A `Reject` would have cost the relayers too: gossipsub also penalises every peer that delivered the same id.)
   */
  #withinBudget (from: PeerId, originator: PeerId): boolean {
    const address = pocketAddressOf(originator)
    if (address !== undefined && this.#isStaked(address)) return true
    if (this.#publishBudget.take(address ?? originator.toString())) return true
    this.#metrics.rateLimited?.increment()
    const direct = from.equals(originator)
    if (direct) this.#ratePenalties.add(from.toString())
    this.#log.trace('ignored gossip from %s: more than %d messages/s from this unstaked originator%s', address ?? originator.toString(),
      this.#cfg.unstakedPublishRate, direct ? ' (penalised: it sent them itself)' : '')
    return false
  }

  /** The application-specific gossipsub score of a peer (a libp2p peer id string): minus its rate-limit penalty. */
  readonly #appScore = (peerId: string): number => -this.#ratePenalties.get(peerId)

  readonly #onGossip = (evt: CustomEvent<GossipsubMessage>): void => {
    const { msg, propagationSource } = evt.detail
    if (msg.topic !== BACKGROUND_TOPIC) return
    const from = pocketAddressOf(propagationSource)
    // checked already: by the validator (remote) or by broadcast (own); a message neither saw is checked here, once
    const check = this.#checked.get(msg) ?? this.#checked.get(msg.data) ?? checkBackgroundMessage(msg.data, this.#cfg.maxMessageBytes)
    this.#checked.delete(msg)
    this.#checked.delete(msg.data)
    if (!check.ok) {
      this.#drop('gossip', check.reason, check.error, from)
      return
    }
    // a peer that forwarded a valid message is a participant (own broadcasts come back from self: not admitted)
    this.#connector.admitSender(propagationSource, 'gossip')
    this.#metrics.messages?.increment({ delivered: true })
    this.#log.trace('gossip message %d from %s', check.nonce, from)
    this.events.dispatch('message', { data: check.data, nonce: check.nonce, content: check.content, router: this.name, ...(from === undefined ? {} : { from }) })
  }

  readonly #onUnicast = (bytes: Uint8Array, from: RemoteSender): void => {
    const check = checkBackgroundMessage(bytes) // the transport enforced the size cap while reading
    if (!check.ok) {
      this.#drop('unicast', check.reason, check.error, from.address)
      return
    }
    // the reference's unicast PeerHandler = AddPeer, but only for a valid message: the sender's key is
    // authenticated by the connection
    this.#connector.admitSender(peerIdOf(from), 'unicast')
    this.#metrics.messages?.increment({ unicast_received: true })
    this.#log.trace('unicast message %d from %s', check.nonce, from.address)
    this.events.dispatch('message', { data: check.data, nonce: check.nonce, content: check.content, router: this.name, from: from.address })
  }

  #drop (via: BackgroundDropEvent['via'], reason: DropReason, error: Error, from: Address | undefined): void {
    this.#metrics.dropped?.increment({ [reason]: true })
    this.#log('dropped %s message from %s: %s (%s)', via, from ?? 'an unknown peer', reason, error.message)
    this.events.dispatch('drop', { reason, via, error, ...(from === undefined ? {} : { from }) })
  }

  readonly #onGossipPeers = (): void => {
    const now: GossipPeers = { topicPeers: this.topicPeerCount(), meshPeers: this.meshPeerCount() }
    if (now.topicPeers === this.#gossipPeers.topicPeers && now.meshPeers === this.#gossipPeers.meshPeers) return
    this.#gossipPeers = now
    this.events.dispatch('gossip:peers', now)
  }
}

/**
 * The background router factory, js-libp2p style: `background(init)` returns a function of the components.
 * Use the same `init` as for {@link backgroundServices}.
 *
 * @throws {InvalidConfigError} an invalid option (at once), or a node without the background services
 */
export function background (init: BackgroundInit = {}): (components: BackgroundComponents) => BackgroundRouter {
  resolveBackgroundInit(init) // fail early on bad options
  return components => new BackgroundRouter(components, init)
}
