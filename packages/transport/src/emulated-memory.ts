import { AbstractMultiaddrConnection, type AbstractMultiaddrConnectionInit } from '@libp2p/utils'
import {
  ConnectionFailedError, ListenError, serviceCapabilities, setMaxListeners, transportSymbol, TypedEventEmitter,
  type ComponentLogger, type Connection, type CreateListenerOptions, type DialTransportOptions, type Listener,
  type ListenerEvents, type Logger, type PeerId, type Startable, type Transport, type Upgrader
} from '@libp2p/interface'
import { CODE_MEMORY, CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { integerOption, InvalidConfigError, shownValue } from '@pokt-p2p/types'
import { DEFAULT_LINK_HIGH_WATER_MARK_BYTES } from './constants.js'
import { Alarm, hostClock, Pipe, Port, type LinkClock, type Receiver } from './link-model.js'

/** How an emulated link behaves: `createNode`'s `link` option. */
export interface LinkOptions {
  /**
   * One-way latency in ms: a buffer arrives this long after it has left the sender's uplink (pipelined: a burst
   * of k buffers arrives about one latency later, not k). A connection between two nodes has the mean of their
   * latencies; opening one costs one latency. Finite, ≥ 0.
   * @default 0
   */
  latencyMs?: number
  /**
   * Uplink bandwidth in Mbit/s, shared by all the node's connections: buffers leave one after another in write
   * order, each taking `bytes · 8 / uploadMbps` µs. `null` for unlimited.
   * @default null (unlimited)
   */
  uploadMbps?: number | null
  /**
   * Downlink bandwidth in Mbit/s, shared by all the node's connections: a buffer has arrived once the downlink
   * has taken in all of it, after those sent to this node before it. `null` for unlimited.
   * @default null (unlimited)
   */
  downloadMbps?: number | null
}

/** Options of {@link emulatedMemory}: the link, and when a connection reports back-pressure. */
export interface EmulatedMemoryInit extends LinkOptions {
  /**
   * Bytes one connection may have waiting on the uplink (written, not yet left) before `send` reports
   * back-pressure (`false`); `drain` follows once fewer are waiting. With an unlimited uplink nothing waits.
   * @default the larger of 1 MiB ({@link DEFAULT_LINK_HIGH_WATER_MARK_BYTES}) and one bandwidth-delay product
   * (`uploadMbps · latencyMs`)
   */
  highWaterMarkBytes?: number
}

/** What {@link emulatedMemory}'s transport takes from libp2p. */
export interface EmulatedMemoryComponents {
  /** the node's peer id (in the remote address of outbound connections' other end) */
  peerId: PeerId
  /** the node's logger (namespace `pokt:transport:link`) */
  logger: ComponentLogger
}

/** A link whose latency, upload and download were checked: `null` bandwidth is unlimited. */
export interface ValidLinkOptions {
  /** one-way latency in ms, finite, ≥ 0 */
  latencyMs: number
  /** uplink in Mbit/s, > 0; `null`: unlimited */
  uploadMbps: number | null
  /** downlink in Mbit/s, > 0; `null`: unlimited */
  downloadMbps: number | null
}

const LINK_KEYS = ['latencyMs', 'uploadMbps', 'downloadMbps']

function bandwidth (field: string, value: unknown): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidConfigError(field, `must be a finite number of Mbit/s > 0, or null for unlimited, got ${shownValue(value)}`)
  }
  return value
}

/**
 * Checks link options (`createNode`'s `link`, or the link part of {@link EmulatedMemoryInit}) and fills in the
 * defaults.
 *
 * @param value - the options as given
 * @param prefix - the name of the option they came in, for errors (`'link'` gives `link.latencyMs`)
 * @param extraKeys - other keys allowed next to the link's
 * @throws {InvalidConfigError} not an object, an unknown key, a latency that is not a finite number ≥ 0, a
 * bandwidth that is not a finite number > 0 (or null)
 */
export function linkOptions (value: unknown, prefix = '', extraKeys: readonly string[] = []): ValidLinkOptions {
  const name = (key: string): string => prefix === '' ? key : `${prefix}.${key}`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidConfigError(prefix === '' ? 'init' : prefix, `must be an object with ${LINK_KEYS.join(', ')}, got ${shownValue(value)}`)
  }
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!LINK_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new InvalidConfigError(name(key), `unknown option; expected ${[...LINK_KEYS, ...extraKeys].join(', ')}`)
    }
  }
  const latencyMs = o.latencyMs ?? 0
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new InvalidConfigError(name('latencyMs'), `must be a finite number of ms >= 0, got ${shownValue(latencyMs)}`)
  }
  return { latencyMs, uploadMbps: bandwidth(name('uploadMbps'), o.uploadMbps), downloadMbps: bandwidth(name('downloadMbps'), o.downloadMbps) }
}

/** Whether a checked link changes anything (a latency, or a limited bandwidth). */
export function isEmulatedLink (link: ValidLinkOptions): boolean {
  return link.latencyMs > 0 || link.uploadMbps !== null || link.downloadMbps !== null
}

/** Listeners of this process by listen address (`/memory/<value>`); separate from `@libp2p/memory`'s. */
const listeners = new Map<string, EmulatedMemoryListener>()
let nextConnectionId = 0

/** `/memory/<value>` of a memory multiaddr, without its `/p2p`; undefined for any other multiaddr. */
function memoryKey (ma: Multiaddr): string | undefined {
  const components = ma.getComponents()
  const first = components[0]
  if (first?.code !== CODE_MEMORY || first.value === undefined) return undefined
  if (components.length > 2 || (components.length === 2 && components[1]!.code !== CODE_P2P)) return undefined
  return `/memory/${first.value}`
}

type Chunk = Parameters<AbstractMultiaddrConnection['sendData']>[0]

/**
 * One end of an emulated connection (a libp2p `MultiaddrConnection`): its writes go onto its outbound pipe, its
 * inbound pipe hands it the other end's. Exported for the model's tests, not from the package.
 */
export class LinkConnection extends AbstractMultiaddrConnection implements Receiver<Chunk> {
  readonly #out: Pipe<Chunk>
  readonly #in: Pipe<Chunk>
  readonly #highWaterMark: number
  readonly #drain: Alarm

  constructor (init: AbstractMultiaddrConnectionInit, out: Pipe<Chunk>, inbound: Pipe<Chunk>, clock: LinkClock) {
    super(init)
    this.#out = out
    this.#in = inbound
    inbound.receiver = this
    this.#highWaterMark = out.from.highWaterMarkBytes
    this.#drain = new Alarm(() => { this.#checkDrain() }, clock)
    this.addEventListener('close', () => {
      this.#drain.clear()
      // nothing more is read: what the other end still sends is dropped
      this.#in.discard()
    })
  }

  sendData (data: Chunk): { sentBytes: number, canSendMore: boolean } {
    const sentBytes = data.byteLength
    this.#out.send(data)
    if (this.#out.undeparted() < this.#highWaterMark) return { sentBytes, canSendMore: true }
    this.#drain.set(this.#out.drainsBelowAt(this.#highWaterMark))
    return { sentBytes, canSendMore: false }
  }

  sendReset (): void {
    this.#drain.clear()
    this.#out.reset()
  }

  async sendClose (): Promise<void> {
    this.#out.close()
  }

  sendPause (): void {
    // read back-pressure is not modelled: a receiver takes what arrives
  }

  sendResume (): void {}

  receive (data: Chunk): void {
    if (this.status === 'open' || this.status === 'closing') this.onData(data)
  }

  remoteClosed (): void {
    if (this.status === 'open' || this.status === 'closing') this.onTransportClosed()
  }

  remoteReset (): void {
    if (this.status === 'open' || this.status === 'closing') this.onRemoteReset()
  }

  #checkDrain (): void {
    if (this.status !== 'open' && this.status !== 'closing') return
    if (this.#out.undeparted() < this.#highWaterMark) this.safeDispatchEvent('drain')
    else this.#drain.set(this.#out.drainsBelowAt(this.#highWaterMark))
  }
}

/** The addresses and loggers of a {@link linkPair}'s two ends. */
export interface LinkPairInit {
  /** the dialer's view of the listener */
  dialerRemoteAddr: Multiaddr
  /** the listener's view of the dialer */
  listenerRemoteAddr: Multiaddr
  /** the dialer's end logs here */
  dialerLog: Logger
  /** the listener's end logs here */
  listenerLog: Logger
}

/**
 * Both ends of a new emulated connection between two ports, not yet upgraded: what the dial makes (exported for
 * the model's tests, not from the package).
 *
 * @param dialer - the dialing node's port
 * @param listener - the listening node's port
 * @param latencyMs - the connection's one-way latency
 * @param init - addresses and loggers of the ends
 * @param clock - the clock and timers
 * @returns the dialer's end (outbound) and the listener's (inbound)
 */
export function linkPair (dialer: Port, listener: Port, latencyMs: number, init: LinkPairInit,
  clock: LinkClock = hostClock): [LinkConnection, LinkConnection] {
  const up = new Pipe<Chunk>(dialer, listener, latencyMs, clock)
  const down = new Pipe<Chunk>(listener, dialer, latencyMs, clock)
  return [
    new LinkConnection({ remoteAddr: init.dialerRemoteAddr, direction: 'outbound', log: init.dialerLog }, up, down, clock),
    new LinkConnection({ remoteAddr: init.listenerRemoteAddr, direction: 'inbound', log: init.listenerLog }, down, up, clock)
  ]
}

/** Waits `ms` on the clock (never less), or rejects with the signal's reason. */
async function wait (ms: number, signal: AbortSignal, clock: LinkClock): Promise<void> {
  signal.throwIfAborted()
  if (ms <= 0) return
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { alarm.clear(); reject(signal.reason) }
    const alarm = new Alarm(() => { signal.removeEventListener('abort', onAbort); resolve() }, clock)
    signal.addEventListener('abort', onAbort, { once: true })
    alarm.set(clock.now() + ms)
  })
}

class EmulatedMemoryListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  #key: string | undefined
  #addr: Multiaddr | undefined
  readonly #connections = new Set<LinkConnection>()
  readonly #shutdown = new AbortController()

  constructor (readonly transport: EmulatedMemoryTransport, private readonly upgrader: Upgrader) {
    super()
    setMaxListeners(Infinity, this.#shutdown.signal)
  }

  async listen (ma: Multiaddr): Promise<void> {
    const value = ma.getComponents()[0]?.value
    const key = `/memory/${value ?? `emulated-${nextConnectionId++}`}`
    if (listeners.has(key)) throw new ListenError(`Memory address ${key} already in use`)
    listeners.set(key, this)
    this.#key = key
    this.#addr = multiaddr(key)
    queueMicrotask(() => { this.safeDispatchEvent('listening') })
  }

  /** Takes the listener's end of a new connection and upgrades it (noise, yamux). */
  accept (maConn: LinkConnection): void {
    if (this.#shutdown.signal.aborted) {
      maConn.abort(new ConnectionFailedError('Memory listener closed'))
      return
    }
    this.#connections.add(maConn)
    maConn.addEventListener('close', () => { this.#connections.delete(maConn) })
    this.upgrader.upgradeInbound(maConn, { signal: this.#shutdown.signal }).catch((err: Error) => { maConn.abort(err) })
  }

  getAddrs (): Multiaddr[] {
    return this.#addr === undefined ? [] : [this.#addr]
  }

  updateAnnounceAddrs (): void {}

  async close (): Promise<void> {
    if (this.#key !== undefined && listeners.get(this.#key) === this) listeners.delete(this.#key)
    this.#shutdown.abort()
    // as TCP destroys its accepted sockets: the other ends see a reset, one latency later
    for (const maConn of [...this.#connections]) maConn.abort(new ConnectionFailedError('Memory listener closed'))
    queueMicrotask(() => { this.safeDispatchEvent('close') })
  }
}

/** The transport {@link emulatedMemory} creates. */
class EmulatedMemoryTransport implements Transport, Startable {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = '@pokt-p2p/emulated-memory'
  readonly [serviceCapabilities]: string[] = ['@libp2p/transport']
  readonly port: Port
  readonly log: Logger
  /** every open connection end of this node, inbound and outbound */
  readonly #connections = new Set<LinkConnection>()

  constructor (readonly components: EmulatedMemoryComponents, link: ValidLinkOptions, highWaterMarkBytes: number,
    private readonly clock: LinkClock = hostClock) {
    this.port = new Port(link.latencyMs, link.uploadMbps, link.downloadMbps, highWaterMarkBytes)
    this.log = components.logger.forComponent('pokt:transport:link')
  }

  start (): void {}

  stop (): void {}

  /** After libp2p has closed its connections gracefully (or given up): resets whatever is left. */
  afterStop (): void {
    for (const maConn of [...this.#connections]) maConn.abort(new ConnectionFailedError('Node stopped'))
  }

  async dial (ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    options.signal.throwIfAborted()
    const key = memoryKey(ma)
    const listener = key === undefined ? undefined : listeners.get(key)
    if (listener === undefined) {
      throw new ConnectionFailedError(`No emulated memory listener at ${ma.toString()} (a node created without a link listens on @libp2p/memory's addresses instead)`)
    }
    const remote = listener.transport
    const latencyMs = (this.port.latencyMs + remote.port.latencyMs) / 2
    // the connection request travels one latency
    await wait(latencyMs, options.signal, this.clock)
    if (listeners.get(key!) !== listener) throw new ConnectionFailedError(`Emulated memory listener at ${key!} closed during the dial`)

    const id = nextConnectionId++
    const [dialer, accepted] = linkPair(this.port, remote.port, latencyMs, {
      dialerRemoteAddr: multiaddr(`${key!}/p2p/${remote.components.peerId.toString()}`),
      listenerRemoteAddr: multiaddr(`/memory/dialer-${id}/p2p/${this.components.peerId.toString()}`),
      dialerLog: this.log.newScope(`connection:${id}`),
      listenerLog: remote.log.newScope(`connection:${id}`)
    }, this.clock)
    this.#track(dialer)
    remote.#track(accepted)
    listener.accept(accepted)
    try {
      return await options.upgrader.upgradeOutbound(dialer, options)
    } catch (err) {
      dialer.abort(err as Error)
      throw err
    }
  }

  #track (maConn: LinkConnection): LinkConnection {
    this.#connections.add(maConn)
    maConn.addEventListener('close', () => { this.#connections.delete(maConn) })
    return maConn
  }

  createListener (options: CreateListenerOptions): Listener {
    return new EmulatedMemoryListener(this, options.upgrader)
  }

  listenFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter(ma => memoryKey(ma) !== undefined)
  }

  dialFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return this.listenFilter(multiaddrs)
  }
}

/**
 * A libp2p transport for nodes of one process whose connections behave like links of a network: a latency
 * (pipelined), a per-node uplink and downlink bandwidth, and back-pressure. Addresses are `@libp2p/memory`'s
 * (`/memory/<value>`, e.g. {@link memoryMultiaddr}), but its listeners form a registry of their own: an emulated
 * node dials only emulated nodes.
 *
 * - A buffer written on a connection waits for the node's uplink (shared by all its connections, first come first
 *   served), leaves it after `bytes · 8 / uploadMbps` µs, and arrives at the other end `latency` later (then, with
 *   a limited downlink, once the receiver's downlink has taken it in). Buffers of a connection arrive in write order.
 * - A connection's latency is the mean of its two nodes' `latencyMs`. Opening a connection costs one latency (the
 *   request travels), then noise and yamux do their round trips over the link.
 * - A connection reports back-pressure while more than `highWaterMarkBytes` of its writes wait on the uplink.
 * - A close arrives after the data written before it; a reset drops what has not left the uplink and arrives one
 *   latency later. Closing the listener resets the connections it accepted; stopping the node resets those libp2p
 *   did not close.
 *
 * Time is `performance.now()`; each direction of a connection holds at most one host timer.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({
 *   addresses: { listen: ['/memory/node-a'] },
 *   transports: [emulatedMemory({ latencyMs: 25, uploadMbps: 100 })],
 *   connectionEncrypters: [noise()],
 *   streamMuxers: [yamux()]
 * })
 * ```
 *
 * @param init - the link and back-pressure options
 * @returns a libp2p transport factory (for `createLibp2p({ transports: [...] })`)
 * @throws {InvalidConfigError} a latency that is not a finite number ≥ 0, a bandwidth that is not a finite number
 * > 0 (or null), a high-water mark that is not a positive integer, an unknown option
 */
export function emulatedMemory (init: EmulatedMemoryInit = {}): (components: EmulatedMemoryComponents) => Transport {
  const link = linkOptions(init, '', ['highWaterMarkBytes'])
  const bdp = link.uploadMbps === null ? 0 : Math.ceil(link.uploadMbps * 125 * link.latencyMs)
  const highWaterMarkBytes = init.highWaterMarkBytes === undefined
    ? Math.max(DEFAULT_LINK_HIGH_WATER_MARK_BYTES, bdp)
    : integerOption('highWaterMarkBytes', init.highWaterMarkBytes, { min: 1 })
  return components => new EmulatedMemoryTransport(components, link, highWaterMarkBytes)
}
