import './polyfill.js'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import {
  CONNECTION_TYPES, defaultComponentLogger, integerOption, InvalidConfigError,
  type ComponentLogger, type ConnectionType, type Identity, type Metrics
} from '@pokt-p2p/types'
import { createLibp2p, type Libp2p } from 'libp2p'
import { isIP } from 'node:net'
import {
  DEFAULT_MAX_EARLY_STREAMS, DEFAULT_MAX_INBOUND_CONNECTIONS, DEFAULT_MAX_OUTBOUND_CONNECTIONS, DEFAULT_MAX_STREAM_WINDOW_BYTES,
  DEFAULT_IDENTIFY_TIMEOUT_MS, DEFAULT_INBOUND_CONNECTIONS_PER_SECOND_PER_HOST, DEFAULT_MAX_PENDING_INBOUND,
  DEFAULT_MAX_PENDING_INBOUND_PER_HOST, DEFAULT_MAX_PENDING_INBOUND_PER_RESERVED_HOST, DEFAULT_P2P_PORT,
  DEFAULT_PENDING_INBOUND_TIMEOUT_MS
} from './constants.js'
import { InboundGate } from './inbound-gate.js'
import { emulatedMemory, isEmulatedLink, linkOptions, type LinkOptions } from './emulated-memory.js'
import { noiseCrypto } from './noise-crypto.js'
import { memoryMultiaddr, privateKeyOf } from './peer.js'
import { tunedNoise, tunedYamux } from './stack-tuning.js'
import { serviceUrlToMultiaddr, type HostResolver } from './url.js'
import type { ConnectionGater } from '@libp2p/interface'

/** Allow-list entries of {@link NodeInit.allowLoopback}. */
export const LOOPBACK_ALLOW_LIST = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']

/** Options of `createNode`. */
export interface NodeInit {
  /** The node's pocket identity; its ed25519 key is the libp2p key, so the peer id is the reference's. */
  identity: Identity
  /**
   * `'memory'` uses `@libp2p/memory` (still noise + yamux) so hundreds of nodes fit in one process; the node
   * listens on {@link memoryMultiaddr}(identity.address) and can dial only nodes of the same process.
   * @default 'tcp'
   */
  transport?: ConnectionType
  /**
   * Memory transport only: makes its connections behave like links of a network (see {@link emulatedMemory}):
   * `latencyMs` one way, pipelined (a burst of k messages arrives about one latency later, not k); `uploadMbps`
   * shared by all the node's connections (a 4 MiB block takes `4 · 8 / uploadMbps` s to leave the node, twice that
   * to two peers); `downloadMbps` likewise for what it receives. Every node of the network needs a link: a node
   * without one (or with latency 0 and unlimited bandwidth) uses `@libp2p/memory`, whose nodes emulated ones
   * cannot dial.
   * @default none: `@libp2p/memory`, no latency, unlimited bandwidth
   */
  link?: LinkOptions
  /**
   * TCP listen host: an IP literal or a name resolved now (the reference's `P2PConfig.hostname`).
   * @default '0.0.0.0'
   */
  hostname?: string
  /**
   * TCP listen port; 0 picks an ephemeral port (read it from `node.getMultiaddrs()` after start).
   * @default 42069 ({@link DEFAULT_P2P_PORT})
   */
  port?: number
  /** Explicit listen multiaddrs; when given, `hostname` and `port` are ignored. */
  listen?: string[]
  /**
   * Allow-lists 127.0.0.0/8 and ::1 in the connection manager, exempting them from the per-host inbound rate
   * limit (5/s), the pending-connection limit (10) and pruning. Needed when many nodes of one machine or process
   * connect to each other (local networks, tests, memory transport, whose connections it exempts too).
   * Leave it off in production: there it would exempt local attackers from the limits.
   * @default false
   */
  allowLoopback?: boolean
  /**
   * Inbound connections accepted at once; further inbound connections are refused before the handshake.
   * @default 125
   */
  maxInboundConnections?: number
  /**
   * Hosts (remote IPs) with reserved inbound capacity: the p2p module passes the IPs of the staked set's service
   * URLs. They have pending-handshake slots of their own (see `maxPendingInboundPerReservedHost`), libp2p's 10 s
   * handshake deadline, no connection rate limit, and may use the last `reservedInboundConnections` connection
   * slots. Called on every new inbound connection, synchronously: keep it a lookup. Identity is only known after
   * the handshake, so this goes by IP: whoever shares a validator's IP shares its reserved slots.
   * @default none: no host is reserved
   */
  reservedHost?: (ip: string) => boolean
  /**
   * Of `maxInboundConnections`, the connections only reserved hosts may take, so a flood of completed handshakes
   * from outsiders still leaves validators room.
   * @default a fifth of `maxInboundConnections` (25 of 125)
   */
  reservedInboundConnections?: number
  /**
   * Inbound connections still in their handshake at once from hosts that are not reserved, together (replaces
   * libp2p's `maxIncomingPendingConnections`, 10 for every host).
   * @default 32 (see `DEFAULT_MAX_PENDING_INBOUND`)
   */
  maxPendingInbound?: number
  /**
   * Inbound connections still in their handshake at once from one host that is not reserved.
   * @default 4 (see `DEFAULT_MAX_PENDING_INBOUND_PER_HOST`)
   */
  maxPendingInboundPerHost?: number
  /**
   * Inbound connections still in their handshake at once from one reserved host.
   * @default 8 (see `DEFAULT_MAX_PENDING_INBOUND_PER_RESERVED_HOST`)
   */
  maxPendingInboundPerReservedHost?: number
  /**
   * An inbound connection from a host that is not reserved is closed when its handshake is not done within this
   * many ms (reserved hosts keep libp2p's 10 s).
   * @default 3_000 (see `DEFAULT_PENDING_INBOUND_TIMEOUT_MS`)
   */
  pendingInboundTimeoutMs?: number
  /**
   * New inbound connections per second from one host that is not reserved (replaces libp2p's
   * `inboundConnectionThreshold`, which also applied to validators).
   * @default 5 (libp2p's)
   */
  inboundConnectionsPerSecondPerHost?: number
  /**
   * Outbound connections open at once; further dials fail with a gater error.
   * @default 125
   */
  maxOutboundConnections?: number
  /**
   * Extra libp2p services merged with `identify` and `ping` (the background router adds gossipsub and kad-dht,
   * which need both). An entry with the same name replaces the default.
   */
  services?: Record<string, (components: any) => unknown>
  /**
   * Largest yamux receive window per stream (yamux grows a stream's window up to this). A frame is at most one
   * window, so an inbound message is rejected with at most `maxMessageBytes` + this many bytes in memory. Larger
   * windows help throughput on long fat links only.
   * @default 4 MiB (yamux's own default is 16 MiB)
   */
  maxStreamWindowBytes?: number
  /**
   * libp2p's connection monitor: every 10 s it pings each connection on a new stream and closes the connection when
   * the ping times out. Turn it off where connections cannot fail silently and the pings only cost CPU: many nodes
   * in one process (at 100 nodes over loopback TCP the pings took 2 s of CPU every 10 s, and on a saturated event
   * loop timed-out pings closed healthy connections, whose re-dials cost more CPU still).
   * @default true
   */
  connectionMonitor?: boolean
  /** Resolver for a `hostname` that is not an IP literal. @default the system resolver */
  resolve?: HostResolver
  /**
   * libp2p's logger, and the one to give this node's Pocket P2P services, so one sink gets `libp2p:*` and `pokt:*`.
   * @default libp2p's `debug`-based logger (`DEBUG=libp2p:*`)
   */
  logger?: ComponentLogger
  /**
   * libp2p's `metrics` option: builds the node's metrics registry (e.g. `prometheusMetrics()` from
   * `@libp2p/prometheus-metrics`), where libp2p counts connections and streams; read it back as
   * `node.metrics` to give the same registry to this node's services.
   * @default none: libp2p collects no metrics
   */
  metrics?: (components: { logger: ComponentLogger }) => Metrics
}

async function listenAddresses (init: NodeInit): Promise<string[]> {
  if (init.listen !== undefined) {
    for (const a of init.listen) {
      try {
        multiaddr(a)
      } catch (err) {
        throw new InvalidConfigError('listen', `${JSON.stringify(a)} is not a multiaddr`, { cause: err })
      }
    }
    return init.listen
  }
  if ((init.transport ?? 'tcp') === 'memory') return [memoryMultiaddr(init.identity.address).toString()]
  const hostname = init.hostname ?? '0.0.0.0'
  const port = init.port ?? DEFAULT_P2P_PORT
  integerOption('port', port, { min: 0, max: 65535 })
  // the reference builds the listen address with the same conversion as peer service URLs
  const hostPort = isIP(hostname) === 6 ? `[${hostname}]:${port}` : `${hostname}:${port}`
  try {
    return [(await serviceUrlToMultiaddr(hostPort, { resolve: init.resolve })).toString()]
  } catch (err) {
    throw new InvalidConfigError('hostname', `cannot listen on ${JSON.stringify(hostPort)}: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Creates (does not start) a libp2p node: TCP or memory transport, noise, yamux, identify and ping, with the
 * pocket identity's key. Call `node.start()`; give it to {@link messageTransport} to send and receive.
 *
 * Connection limits are enforced by a connection gater (libp2p 3 has only a total `maxConnections`, which is set
 * to their sum): an inbound connection is refused when `maxInboundConnections` inbound connections are open (for
 * hosts that are not reserved, `maxInboundConnections − reservedInboundConnections`), a dial is refused when
 * `maxOutboundConnections` outbound ones are. Connections still being set up are not counted there: the same gater
 * ({@link InboundGate}) bounds them per class of host instead of libp2p's 10 pending for all hosts together, so
 * silent sockets cannot lock out the `reservedHost`s (the staked set).
 *
 * @throws {InvalidConfigError} a bad port, limit, listen address, link or unresolvable hostname
 */
export async function createNode (init: NodeInit): Promise<Libp2p> {
  const maxIn = integerOption('maxInboundConnections', init.maxInboundConnections ?? DEFAULT_MAX_INBOUND_CONNECTIONS, { min: 1 })
  const maxOut = integerOption('maxOutboundConnections', init.maxOutboundConnections ?? DEFAULT_MAX_OUTBOUND_CONNECTIONS, { min: 1 })
  const transport = init.transport ?? 'tcp'
  if (!(CONNECTION_TYPES as readonly string[]).includes(transport)) {
    throw new InvalidConfigError('transport', `must be one of ${CONNECTION_TYPES.map(t => `'${t}'`).join(', ')}, got ${JSON.stringify(transport)}`)
  }
  let privateKey
  try {
    privateKey = privateKeyOf(init.identity)
  } catch (err) {
    throw new InvalidConfigError('identity', (err as Error).message, { cause: err })
  }
  const link = init.link === undefined ? undefined : linkOptions(init.link, 'link')
  if (link !== undefined && transport !== 'memory') {
    throw new InvalidConfigError('link', `emulated links need transport 'memory', got ${JSON.stringify(transport)}`)
  }
  const listen = await listenAddresses(init)
  // yamux's own limits
  const window = integerOption('maxStreamWindowBytes', init.maxStreamWindowBytes ?? DEFAULT_MAX_STREAM_WINDOW_BYTES, { min: 256 * 1024, max: 2 ** 32 - 1 })

  const reservedIn = integerOption('reservedInboundConnections', init.reservedInboundConnections ?? Math.floor(maxIn / 5), { min: 0, max: maxIn })
  const gateLimit = (field: string, value: number): number => integerOption(field, value, { min: 1 })
  const allowLoopback = init.allowLoopback === true

  // the gater runs only once the node exists (it is consulted for connections, which need a started node)
  const count = (direction: 'inbound' | 'outbound'): number =>
    node.getConnections().filter(c => c.direction === direction && c.status === 'open').length
  const gate = new InboundGate({
    maxInboundConnections: maxIn,
    reservedInboundConnections: reservedIn,
    maxPendingInbound: gateLimit('maxPendingInbound', init.maxPendingInbound ?? DEFAULT_MAX_PENDING_INBOUND),
    maxPendingInboundPerHost: gateLimit('maxPendingInboundPerHost', init.maxPendingInboundPerHost ?? DEFAULT_MAX_PENDING_INBOUND_PER_HOST),
    maxPendingInboundPerReservedHost: gateLimit('maxPendingInboundPerReservedHost', init.maxPendingInboundPerReservedHost ?? DEFAULT_MAX_PENDING_INBOUND_PER_RESERVED_HOST),
    pendingInboundTimeoutMs: gateLimit('pendingInboundTimeoutMs', init.pendingInboundTimeoutMs ?? DEFAULT_PENDING_INBOUND_TIMEOUT_MS),
    inboundConnectionsPerSecondPerHost: gateLimit('inboundConnectionsPerSecondPerHost', init.inboundConnectionsPerSecondPerHost ?? DEFAULT_INBOUND_CONNECTIONS_PER_SECOND_PER_HOST),
    reservedHost: init.reservedHost ?? (() => false),
    exemptHost: allowLoopback ? isLoopback : () => false
  }, () => count('inbound'), (init.logger ?? defaultComponentLogger()).forComponent('pokt:transport:gate'))
  const connectionGater: ConnectionGater = {
    denyInboundConnection: gate.denyInboundConnection,
    denyInboundUpgradedConnection: gate.denyInboundUpgradedConnection,
    // called for every address of a new dial; dials that reuse an open connection never reach the gater
    denyDialMultiaddr: () => count('outbound') >= maxOut
  }

  const node: Libp2p = await createLibp2p({
    start: false,
    privateKey,
    ...(init.logger === undefined ? {} : { logger: init.logger }),
    ...(init.metrics === undefined ? {} : { metrics: init.metrics }),
    addresses: { listen },
    transports: [transport === 'memory' ? (link !== undefined && isEmulatedLink(link) ? emulatedMemory(link) : memory()) : tcp()],
    // per-connection fixes of two per-message costs of noise and yamux (see stack-tuning.ts)
    connectionEncrypters: [tunedNoise(noise({ crypto: noiseCrypto }))],
    streamMuxers: [tunedYamux(yamux({ maxEarlyStreams: DEFAULT_MAX_EARLY_STREAMS, streamOptions: { maxStreamWindowSize: window } }))],
    connectionGater,
    connectionMonitor: { enabled: init.connectionMonitor ?? true },
    connectionManager: {
      maxConnections: maxIn + maxOut,
      allow: allowLoopback ? LOOPBACK_ALLOW_LIST : [],
      // the gate applies these per class of host (libp2p's apply to all hosts alike, validators included): libp2p's
      // own checks run first, so they are set out of the way
      maxIncomingPendingConnections: UNLIMITED,
      inboundConnectionThreshold: UNLIMITED
    },
    services: {
      identify: identify({ timeout: DEFAULT_IDENTIFY_TIMEOUT_MS }),
      ping: ping(),
      ...init.services
    }
  })
  cancelAddressDebounceOnStop(node)
  node.addEventListener('stop', () => { gate.stop() })
  gates.set(node, gate)
  return node
}

/** libp2p's pending-connection and rate limits, out of the way of the gate's (compared with `===` by libp2p). */
const UNLIMITED = 1_000_000_000

const gates = new WeakMap<Libp2p, InboundGate>()

/** The inbound gate of a node made by `createNode` (its pending counts and refusals), for tests and benchmarks. */
export function inboundGateOf (node: Libp2p): InboundGate | undefined {
  return gates.get(node)
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: the hosts `allowLoopback` exempts. */
function isLoopback (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.')
}

/**
 * Workaround for libp2p 3.3.11: the address manager is not a lifecycle component, so the 1 s debounce timer of its
 * peer-store update survives `stop()` and keeps a process (or a jest worker) alive for that second. Internal
 * fields are accessed defensively: when a libp2p release changes them, this does nothing.
 */
function cancelAddressDebounceOnStop (node: Libp2p): void {
  const internals = node as unknown as { components?: { addressManager?: { _updatePeerStoreAddresses?: { stop?: () => void } } } }
  node.addEventListener('stop', () => {
    internals.components?.addressManager?._updatePeerStoreAddresses?.stop?.()
  })
}
