import { setMaxListeners } from 'node:events'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import pRetry from 'p-retry'
import { BACKGROUND_PROTOCOL_ID, peerIdOf } from '@pokt-p2p/transport'
import {
  NotStartedError, TimeoutError, signalWithTimeout,
  type AbortOptions, type Address, type BootstrapFailure, type Logger, type Peer, type Peerstore, type TypedEvents
} from '@pokt-p2p/types'
import { peerFromLibp2p, type DiscoverySource, type Multiaddr } from './peer-info.js'
import { DHT_SERVICE } from '../services.js'
import type { BackgroundEvents } from '../events.js'
import type { BackgroundMetrics } from '../metrics.js'
import type { ResolvedBackgroundInit } from '../options.js'
import type { IdentifyResult, Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'

/** What the {@link Connector} works with; the router hands it its own node, peerstore, log, metrics and events. */
export interface ConnectorComponents {
  /** the libp2p node carrying the background services */
  node: Libp2p
  /** the router's peerstore: the connector admits discovered peers into it */
  peerstore: Peerstore
  /** this node's pocket address */
  selfAddress: Address
  /** where a peer listens */
  resolveAddresses: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
  /** the router's `pokt:background` logger */
  log: Logger
  /** the router's metrics */
  metrics: BackgroundMetrics
  /** the router's events: the connector emits the bootstrap and discovery ones */
  events: TypedEvents<BackgroundEvents>
}

/**
 * DHT-named peers remembered until a dial verifies them. A lookup meets a few dozen peers; one reply names at most
 * `dhtMaxReplyPeers`. Beyond this the oldest is forgotten, so a flood of names costs bounded memory.
 */
const MAX_DHT_CANDIDATES = 1024

/** Upper bound of one DHT lookup (and of one maintenance run, which is mostly a lookup). */
const LOOKUP_DEADLINE_MS = 60_000

/**
 * The p-retry options of one bootstrap target's dials: `bootstrapRetries` attempts in all, the first wait
 * `bootstrapBackoffMs`, each next one doubled, capped at `bootstrapBackoffMaxMs`, no jitter (so a schedule is
 * reproducible). p-retry counts retries, not attempts; its floor is 1 ms where the option allows 0.
 */
export function bootstrapRetryOptions (init: Pick<ResolvedBackgroundInit, 'bootstrapRetries' | 'bootstrapBackoffMs' | 'bootstrapBackoffMaxMs'>): {
  retries: number
  factor: number
  minTimeout: number
  maxTimeout: number
  randomize: false
} {
  return {
    retries: init.bootstrapRetries - 1,
    factor: 2,
    // p-retry refuses a first wait above the cap; the old schedule then waited the cap every time, and so does this
    minTimeout: Math.min(init.bootstrapBackoffMs, init.bootstrapBackoffMaxMs),
    maxTimeout: init.bootstrapBackoffMaxMs,
    randomize: false
  }
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * The background router's connections (lodestar's `peers/` to the router's `gossip/`): bootstrap with bounded
 * retries, dialling discovered peers while below `minConnections`, DHT lookups, periodic connection maintenance,
 * and admission of discovered peers into the router's peerstore.
 *
 * Not a service of its own: the router starts and stops it inside its `Lifecycle` (from `@pokt-p2p/types`), which
 * already makes start and stop idempotent and concurrent-safe.
 */
export class Connector {
  readonly #c: ConnectorComponents
  readonly #cfg: ResolvedBackgroundInit
  /** aborts everything started on the connector's behalf (dials, lookups, maintenance); set while running */
  #controller: AbortController | undefined
  #maintenance: RepeatingTask | undefined
  readonly #tasks = new Set<Promise<void>>()
  readonly #dialing = new Set<Address>()
  /**
   * Peers the DHT named that are not verified yet: they enter the peerstore (as `dht` discoveries) only once a dial
   * to them succeeded and identify showed a pocket protocol. Bounded: past {@link MAX_DHT_CANDIDATES} the oldest is
   * forgotten (it can be named again).
   */
  readonly #dhtCandidates = new Set<Address>()
  /**
   * The discovered (not pinned) peers in the peerstore, least recently seen first: the eviction order at
   * `maxDiscoveredPeers`. A Set keeps insertion order, and re-inserting moves a peer to the back.
   */
  readonly #discovered = new Set<Address>()

  /**
   * @param components - what it works with (shared with the router)
   * @param init - the router's resolved options
   */
  constructor (components: ConnectorComponents, init: ResolvedBackgroundInit) {
    this.#c = components
    this.#cfg = init
  }

  /**
   * Starts discovery and maintenance, then bootstraps; resolves once the bootstrap settled (every target connected
   * or out of retries) or `signal` aborted (a stop during the start), and starts a DHT lookup in the background.
   */
  async start ({ signal }: Required<AbortOptions>): Promise<void> {
    const controller = new AbortController()
    // every pending dial, backoff and lookup listens to these; dozens at once are normal
    setMaxListeners(Infinity, controller.signal, signal)
    this.#controller = controller
    const { node } = this.#c
    node.addEventListener('peer:discovery', this.#onDiscovery)
    node.addEventListener('peer:identify', this.#onIdentify)
    // repeatingTask skips a tick while the previous run is still going, and aborts a run after its timeout
    this.#maintenance = repeatingTask(async options => {
      await this.#track(this.#maintain(options?.signal ?? controller.signal))
    }, this.#cfg.discoveryIntervalMs, { timeout: LOOKUP_DEADLINE_MS })
    this.#maintenance.start()
    await this.#bootstrap(signal)
    if (!signal.aborted) {
      void this.#track(this.#lookup(signalWithTimeout(controller.signal, LOOKUP_DEADLINE_MS)))
    }
  }

  /** Aborts every dial, backoff and lookup, stops maintenance and discovery, and waits for them to unwind. */
  async stop (): Promise<void> {
    this.#controller?.abort(new NotStartedError('background router stopped'))
    this.#controller = undefined
    this.#maintenance?.stop()
    this.#maintenance = undefined
    this.#c.node.removeEventListener('peer:discovery', this.#onDiscovery)
    this.#c.node.removeEventListener('peer:identify', this.#onIdentify)
    await Promise.allSettled([...this.#tasks])
  }

  /** A peer added by the router's owner: one dial attempt, when running and below `minConnections`. */
  peerAdded (peer: Peer): void {
    if (peer.address !== this.#c.selfAddress) this.#maybeDial(peer)
  }

  /** The owner added `address` itself (`addPeer`): it is pinned, never evicted. */
  pin (address: Address): void {
    this.#discovered.delete(address)
  }

  /** The owner removed `address` (`removePeer`). */
  forget (address: Address): void {
    this.#discovered.delete(address)
  }

  /**
   * Adds a verified peer to the peerstore (or fills in the service URL of one known only by key), and marks it as
   * seen now; past `maxDiscoveredPeers` the least recently seen discovered peer is evicted. Returns whether it was
   * new. Callers admit only peers that sent a valid pocket message or that this node dialled and identified.
   */
  admit (peer: Peer, source: DiscoverySource): boolean {
    const { peerstore, metrics, log } = this.#c
    if (peer.address === this.#c.selfAddress) return false
    const known = peerstore.getPeer(peer.address)
    if (known !== undefined) {
      // seen again: to the back of the eviction order (pinned peers are not in it)
      if (this.#discovered.delete(peer.address)) this.#discovered.add(peer.address)
      if (known.serviceUrl === '' && peer.serviceUrl !== '') {
        peerstore.removePeer(peer.address)
        peerstore.addPeer(peer)
      }
      return false
    }
    peerstore.addPeer(peer)
    this.#discovered.add(peer.address)
    this.#evict()
    metrics.discovered?.increment({ [source]: true })
    metrics.peerstoreSize?.update(peerstore.size)
    log('discovered %s via %s%s', peer.address, source, peer.serviceUrl === '' ? '' : ` at ${peer.serviceUrl}`)
    this.#c.events.dispatch('peer:discovered', { peer, source })
    return true
  }

  /**
   * {@link admit} for the sender of a valid message, whose key the connection authenticated: admitted at once
   * without a service URL, which is then taken from its listen addresses in libp2p's peer store (identify put them
   * there) when it has any; when identify comes later, `#onIdentify` fills it in.
   */
  admitSender (id: PeerId, source: DiscoverySource): void {
    const peer = peerFromLibp2p(id)
    if (peer === undefined) return
    // a new peer only: one peer-store read per admission, not per message (identify fills in a later address)
    if (!this.admit(peer, source)) return
    void this.#track(this.#knownAddresses(id).then(addrs => {
      const located = peerFromLibp2p(id, addrs)
      // only fill in a peer still there (not evicted or removed meanwhile)
      if (located !== undefined && located.serviceUrl !== '' && this.#c.peerstore.has(located.address)) this.admit(located, source)
    }))
  }

  /** Evicts the least recently seen discovered peers beyond `maxDiscoveredPeers`. */
  #evict (): void {
    const { peerstore, metrics, log } = this.#c
    while (this.#discovered.size > this.#cfg.maxDiscoveredPeers) {
      const oldest = this.#discovered.values().next().value as Address
      this.#discovered.delete(oldest)
      peerstore.removePeer(oldest)
      metrics.evicted?.increment()
      log.trace('evicted %s: more than maxDiscoveredPeers (%d) discovered peers', oldest, this.#cfg.maxDiscoveredPeers)
    }
  }

  #track (task: Promise<void>): Promise<void> {
    const t = task.catch(() => {}).finally(() => { this.#tasks.delete(t) })
    this.#tasks.add(t)
    return t
  }

  // ---- discovery ------------------------------------------------------------------------------------------------

  readonly #onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    const peer = peerFromLibp2p(evt.detail.id, evt.detail.multiaddrs)
    if (peer === undefined) return
    this.#candidate(peer, evt.detail.id)
  }

  /**
   * A peer the DHT named: anyone can name any peer id with any address, so it is only remembered and (below
   * `minConnections`) dialled; identify on that connection admits it.
   */
  #candidate (peer: Peer, id: PeerId): void {
    if (peer.address === this.#c.selfAddress || this.#c.peerstore.has(peer.address)) return
    this.#dhtCandidates.delete(peer.address)
    this.#dhtCandidates.add(peer.address)
    if (this.#dhtCandidates.size > MAX_DHT_CANDIDATES) {
      this.#dhtCandidates.delete(this.#dhtCandidates.values().next().value as Address)
    }
    this.#maybeDial(peer, id)
  }

  /**
   * Identify on a connection this node dialled (a bootstrap or DHT-named peer, a RainTree send…) admits the peer
   * when it lists a pocket protocol. Inbound connections admit nobody: anyone can connect and list any protocol, so
   * such a peer enters with its first valid pocket message instead.
   */
  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols, listenAddrs, connection } = evt.detail
    // only pocket participants: peers speaking the background unicast protocol or our DHT
    if (!protocols.includes(BACKGROUND_PROTOCOL_ID) && !protocols.includes(this.#cfg.dhtProtocol)) return
    const peer = peerFromLibp2p(peerId, listenAddrs)
    if (peer === undefined) return
    if (connection.direction !== 'outbound') {
      // not an admission: only the listen address of a peer already admitted (by a message that beat identify)
      if (this.#c.peerstore.getPeer(peer.address)?.serviceUrl === '') this.admit(peer, 'connection')
      return
    }
    const fromDht = this.#dhtCandidates.delete(peer.address)
    this.admit(peer, fromDht ? 'dht' : 'connection')
  }

  // ---- dialling -------------------------------------------------------------------------------------------------

  /** One dial attempt to `peer` when running, below `minConnections` and not connected to it already. */
  #maybeDial (peer: Peer, peerId?: PeerId): void {
    const { node, log } = this.#c
    const signal = this.#controller?.signal
    if (signal === undefined || signal.aborted) return
    if (node.getPeers().length + this.#dialing.size >= this.#cfg.minConnections) return
    if (this.#dialing.has(peer.address)) return
    let id: PeerId
    try {
      id = peerId ?? peerIdOf(peer)
    } catch {
      return
    }
    if (node.getConnections(id).length > 0) return
    this.#dialing.add(peer.address)
    void this.#track(this.#dialOnce(peer, id, signal)
      .catch((err: unknown) => { if (!signal.aborted) log('dial %s failed: %s', peer.address, asError(err).message) })
      .finally(() => { this.#dialing.delete(peer.address) }))
  }

  /** Registers the peer's addresses with libp2p (when it has any) and dials it once, within `dialTimeoutMs`. */
  async #dialOnce (peer: Peer, id: PeerId, signal: AbortSignal): Promise<void> {
    const ms = this.#cfg.dialTimeoutMs
    const deadline = signalWithTimeout(signal, ms)
    // a peer without addresses is looked up in the DHT under this signal: one listener per sub-query
    setMaxListeners(Infinity, deadline)
    try {
      const multiaddrs = await this.#c.resolveAddresses(peer)
      deadline.throwIfAborted()
      if (multiaddrs.length > 0) await this.#c.node.peerStore.merge(id, { multiaddrs })
      await this.#c.node.dial(id, { signal: deadline })
    } catch (err) {
      if (deadline.aborted && !signal.aborted) throw new TimeoutError(`dial ${peer.address} timed out after ${ms} ms`, { cause: err })
      throw err
    }
  }

  // ---- bootstrap ------------------------------------------------------------------------------------------------

  /**
   * Dials every initial peer except self (or the `bootstrapPeerLimit` following self in address order), in
   * parallel, each with up to `bootstrapRetries` attempts and exponential backoff. The reference stopped at self and
   * failed the module after one unreachable peer.
   */
  async #bootstrap (signal: AbortSignal): Promise<void> {
    const { log, events } = this.#c
    const self = this.#c.selfAddress
    const others = this.#c.peerstore.getPeerList().filter(p => p.address !== self)
      .sort((a, b) => a.address < b.address ? -1 : 1)
    const after = others.findIndex(p => p.address > self)
    const ring = after <= 0 ? others : [...others.slice(after), ...others.slice(0, after)]
    const targets = ring.slice(0, Math.min(ring.length, this.#cfg.bootstrapPeerLimit))
    const t0 = performance.now()
    log('bootstrap started: dialling %d of %d known peers', targets.length, others.length)
    events.dispatch('bootstrap:started', { peers: targets.map(p => p.address) })
    const results = await Promise.all(targets.map(async p => await this.#connectWithRetry(p, signal)))
    if (signal.aborted) {
      log('bootstrap cancelled: the router is stopping')
      return
    }
    const connected: Address[] = []
    const failed: BootstrapFailure[] = []
    results.forEach((r, i) => {
      if (r === undefined) connected.push((targets[i] as Peer).address)
      else failed.push(r)
    })
    const durationMs = performance.now() - t0
    if (targets.length === 0 || connected.length > 0) {
      for (const f of failed) log('bootstrap could not connect to %s after %d attempts: %s', f.target, f.attempts, f.error.message)
      log('bootstrap succeeded: %d of %d peers connected in %d ms', connected.length, targets.length, Math.round(durationMs))
      events.dispatch('bootstrap:succeeded', { connected, failed, durationMs })
    } else {
      for (const f of failed) log.error('bootstrap could not connect to %s after %d attempts: %s', f.target, f.attempts, f.error.message)
      log.error('bootstrap failed: none of %d peers could be connected in %d ms; maintenance keeps trying', targets.length, Math.round(durationMs))
      events.dispatch('bootstrap:failed', { failed, durationMs })
    }
  }

  /**
   * Up to `bootstrapRetries` dial attempts (p-retry), waiting `bootstrapBackoffMs` before the second and doubling
   * each time up to `bootstrapBackoffMaxMs`, without jitter. Resolves with `undefined` once connected, or with why
   * not; never rejects. When `signal` aborts, the pending wait or dial ends at once.
   */
  async #connectWithRetry (peer: Peer, signal: AbortSignal): Promise<BootstrapFailure | undefined> {
    const { log, metrics } = this.#c
    let id: PeerId
    try {
      id = peerIdOf(peer)
    } catch (err) {
      return { target: peer.address, attempts: 0, error: asError(err) }
    }
    const max = this.#cfg.bootstrapRetries
    let last: BootstrapFailure | undefined
    try {
      await pRetry(async () => {
        try {
          await this.#dialOnce(peer, id, signal)
        } catch (err) {
          // p-retry gives up at once on a TypeError; a dial that failed that way is as retryable as any other
          throw err instanceof Error && !(err instanceof TypeError) ? err : new Error(asError(err).message, { cause: err })
        }
      }, {
        ...bootstrapRetryOptions(this.#cfg),
        signal,
        onFailedAttempt: err => {
          if (signal.aborted) return // the stop's doing, not the peer's
          last = { target: peer.address, attempts: err.attemptNumber, error: err }
          metrics.bootstrapDialFailures?.increment()
          log('bootstrap dial %d/%d to %s failed: %s', err.attemptNumber, max, peer.address, err.message)
        }
      })
      return undefined
    } catch (err) {
      return last ?? { target: peer.address, attempts: 0, error: asError(err) }
    }
  }

  // ---- lookups and maintenance ----------------------------------------------------------------------------------

  /**
   * A DHT lookup of our own id: fills the routing table, and every peer it meets is a `peer:discovery`. The lookup
   * runs to completion (kad-dht bounds each request): `signal` carries only a safety-net deadline, e.g. for a lookup
   * waiting for a first routing-table entry.
   *
   * It asks kad-dht itself, not libp2p's `peerRouting.getClosestPeers`: kad-dht returns the peers it started from
   * (its routing table) without addresses, and libp2p's wrapper runs a whole `findPeer` DHT lookup for each of them.
   * At 50 DHT servers in one process that made every lookup about five, most of them in the same seconds. Their
   * addresses are in the local peer store (identify put them there), which is where they are taken from here.
   */
  async #lookup (signal: AbortSignal): Promise<void> {
    const { node, metrics, log } = this.#c
    // the lookup hands this signal to every sub-query and dial it makes, each adding a listener while it runs
    setMaxListeners(Infinity, signal)
    metrics.dhtLookups?.increment()
    const dht = (node.services as Record<string, unknown>)[DHT_SERVICE] as KadDHT
    let found = 0
    try {
      for await (const event of dht.getClosestPeers(node.peerId.toMultihash().bytes, { signal })) {
        if (event.name !== 'FINAL_PEER') continue
        const { id, multiaddrs } = event.peer
        const peer = peerFromLibp2p(id, multiaddrs.length > 0 ? multiaddrs : await this.#knownAddresses(id))
        if (peer === undefined) continue
        if (!this.#c.peerstore.has(peer.address)) found++
        this.#candidate(peer, id)
      }
      log.trace('DHT lookup done: %d peers not in the peerstore', found)
    } catch (err) {
      if (!(signal.reason instanceof NotStartedError)) log('DHT lookup failed: %s', asError(err).message)
      throw err
    }
  }

  /** The addresses of `id` in libp2p's peer store (none when it is not there). */
  async #knownAddresses (id: PeerId): Promise<Multiaddr[]> {
    try {
      return (await this.#c.node.peerStore.get(id)).addresses.map(a => a.multiaddr)
    } catch {
      return []
    }
  }

  /** Connection maintenance, when below `minConnections`: with no connection at all, one dial to every known peer; then a DHT lookup. */
  async #maintain (signal: AbortSignal): Promise<void> {
    const { node, peerstore } = this.#c
    if (node.getPeers().length >= this.#cfg.minConnections) return
    if (node.getPeers().length === 0) {
      for (const peer of peerstore.getPeerList()) this.peerAdded(peer)
    }
    await this.#lookup(signal)
  }
}
