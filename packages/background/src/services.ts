import { createHash } from 'node:crypto'
import { gossipsub, type GossipSub, type GossipSubComponents, type GossipsubOpts } from '@libp2p/gossipsub'
import {
  kadDHT, passthroughMapper, removePrivateAddressesMapper,
  type KadDHT, type KadDHTComponents, type KadDHTInit
} from '@libp2p/kad-dht'
import { BACKGROUND_TOPIC } from '@pokt-p2p/transport'
import { gossipsubMetricsRegister } from './gossipsub-metrics.js'
import { resolveBackgroundInit, type BackgroundInit } from './options.js'
import { limitDhtReplies, type DhtReplyRefusal } from './peers/dht-limits.js'
import { isPeerId, type Metrics } from '@libp2p/interface'

/** Name of the gossipsub service on the libp2p node (`node.services.pubsub`). */
export const PUBSUB_SERVICE = 'pubsub'
/** Name of the kad-dht service on the libp2p node (`node.services.dht`). */
export const DHT_SERVICE = 'dht'

/**
 * Room for gossipsub's envelope around one message's data: RPC and message framing, topic, 38-byte `from`,
 * sequence number, 64-byte signature and 36-byte key, plus control messages piggybacked on the same frame.
 */
export const GOSSIPSUB_FRAME_OVERHEAD_BYTES = 64 * 1024

/**
 * The largest RPC gossipsub (17.1.1) sends: its outbound stream length-prefixes each RPC with it-length-prefixed's
 * default maximum, 4 MiB, and has no option for it. A larger RPC is logged at `libp2p:gossipsub:error` and sent to
 * no peer while the publish resolves, so the background router refuses such a broadcast instead (measured: a 4 MiB
 * block published to 9 or 81 nodes reached none of them).
 */
export const GOSSIPSUB_MAX_RPC_BYTES = 4 * 1024 * 1024

/** The largest background message a broadcast can carry: {@link GOSSIPSUB_MAX_RPC_BYTES} less the RPC's framing. */
export const GOSSIPSUB_MAX_MESSAGE_BYTES = GOSSIPSUB_MAX_RPC_BYTES - GOSSIPSUB_FRAME_OVERHEAD_BYTES

/** The services {@link backgroundServices} adds to a libp2p node. */
export interface BackgroundServices {
  /** gossipsub, carrying broadcasts on the `pokt/background` topic */
  pubsub: GossipSub
  /** kad-dht, for peer discovery */
  dht: KadDHT
}

/**
 * Service factories to pass to `createNode({ services })` of `@pokt-p2p/transport`. A type alias, not an interface:
 * only an alias is assignable to `createNode`'s `Record<string, …>` as it is, without spreading it into a new object.
 */
export type BackgroundServiceFactories = {
  /** creates the gossipsub service */
  pubsub: (components: GossipSubComponents) => GossipSub
  /** creates the kad-dht service */
  dht: (components: KadDHTComponents) => KadDHT
}

/**
 * Backoff a node's PRUNEs carry when it leaves the topic: 5 heartbeats rounded to whole seconds (PRUNE carries
 * seconds as an integer), at least 1 s.
 */
export function unsubscribeBackoffMs (heartbeatIntervalMs: number): number {
  return Math.max(1, Math.round(5 * heartbeatIntervalMs / 1000)) * 1000
}

/**
 * The message id of a background gossip message: sha256 of its data. The data is a `BackgroundMessage` around a
 * `PocketEnvelope` that carries a random 64-bit nonce, so equal bytes are the same message whoever publishes it;
 * the gossipsub default (`from ‖ seqno`) would let one envelope re-published by another node circulate twice.
 */
export function contentMessageId (data: Uint8Array | undefined): Uint8Array {
  return createHash('sha256').update(data ?? new Uint8Array()).digest()
}

/**
 * The gossipsub options of the background router. Every option that differs from the gossipsub default, and why:
 *
 * - `msgIdFn` / `fastMsgIdFn` — content hash ({@link contentMessageId}); the fast id is the same hash as hex, so a
 *   duplicate is recognised before its signature is verified (gossipsub verifies signatures before `msgIdFn`).
 * - `allowedTopics: ['pokt/background']` — subscriptions to and messages on other topics are dropped on arrival,
 *   so peers cannot make the node track arbitrary topics.
 * - `maxInboundDataLength` — `maxMessageBytes` + {@link GOSSIPSUB_FRAME_OVERHEAD_BYTES}: a frame larger than any
 *   valid message closes the peer's stream before it is buffered further (messages between `maxMessageBytes` and
 *   this limit reach the topic validator, which rejects and counts them).
 * - `allowPublishToZeroTopicPeers: true` — the reference publishes silently with no peers (the first node of a
 *   network, a node still bootstrapping); the gossipsub default throws `NoPeersSubscribedToTopic`.
 * - `ignoreDuplicatePublishError: true` — with content ids, broadcasting the same envelope twice is a duplicate;
 *   the reference published it again and receivers dropped it by nonce, so a silent no-op matches.
 * - `emitSelf` — `BackgroundInit.emitSelf` (default true): the reference delivers local publishes to itself.
 * - `heartbeatInterval` — `BackgroundInit.heartbeatIntervalMs` (default 1000 ms, the spec value; tests lower it).
 * - `unsubcribeBackoff` — {@link unsubscribeBackoffMs}: about 5 heartbeats (whole seconds, the PRUNE field's
 *   unit) instead of 10 s, so a router stopped and started again rejoins the mesh quickly. A GRAFT inside the
 *   backoff is answered with a one-minute prune, so `start()` after a recent `stop()` waits the backoff out.
 * - `scoreParams.IPColocationFactorWhitelist` — `BackgroundInit.ipColocationWhitelist` (default none).
 *
 * Kept on purpose: `StrictSign` (every message is signed by its originator, as go-libp2p-pubsub's default),
 * `floodPublish` (own messages go to every topic peer, not only the mesh), D=6/Dlo=4/Dhi=12, `seenTTL` 2 min.
 */
export function backgroundGossipsubOptions (init: BackgroundInit = {}): Partial<GossipsubOpts> {
  const cfg = resolveBackgroundInit(init)
  return {
    msgIdFn: msg => contentMessageId(msg.data),
    fastMsgIdFn: rpcMsg => Buffer.from(contentMessageId(rpcMsg.data)).toString('hex'),
    allowedTopics: [BACKGROUND_TOPIC],
    maxInboundDataLength: cfg.maxMessageBytes + GOSSIPSUB_FRAME_OVERHEAD_BYTES,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    emitSelf: cfg.emitSelf,
    heartbeatInterval: cfg.heartbeatIntervalMs,
    unsubcribeBackoff: unsubscribeBackoffMs(cfg.heartbeatIntervalMs),
    scoreParams: { IPColocationFactorWhitelist: new Set(cfg.ipColocationWhitelist) }
  }
}

/**
 * gossipsub's options to record its metrics in `metrics` ({@link gossipsubMetricsRegister}). gossipsub requires a
 * topic → label map with metrics (it throws without one); the background topic is labelled by its own name, so
 * per-topic metrics read `{topic="pokt/background"}` (a topic missing from the map is labelled by its name too).
 */
export function backgroundGossipsubMetricsOptions (metrics: Metrics): Pick<GossipsubOpts, 'metricsRegister' | 'metricsTopicStrToLabel'> {
  return { metricsRegister: gossipsubMetricsRegister(metrics), metricsTopicStrToLabel: new Map([[BACKGROUND_TOPIC, BACKGROUND_TOPIC]]) }
}

/**
 * The kad-dht options of the background router:
 *
 * - `protocol` — `BackgroundInit.dhtProtocol` (default `/pokt/kad/1.0.0`), a private DHT.
 * - `clientMode` — explicit (`BackgroundInit.clientMode`, default false = server). kad-dht's automatic mode stays
 *   a client until libp2p sees a public address, which a node behind NAT or on a LAN never has.
 * - `peerInfoMapper` — `passthroughMapper` when `BackgroundInit.privateAddresses`, else kad-dht's default
 *   `removePrivateAddressesMapper`.
 * - `logPrefix` / `datastorePrefix` / `metricsPrefix` — pocket-specific, so they do not collide with another DHT
 *   on the same node.
 */
export function backgroundDHTOptions (init: BackgroundInit = {}): KadDHTInit {
  const cfg = resolveBackgroundInit(init)
  return {
    protocol: cfg.dhtProtocol,
    clientMode: cfg.clientMode,
    peerInfoMapper: cfg.privateAddresses ? passthroughMapper : removePrivateAddressesMapper,
    logPrefix: 'libp2p:pokt-kad-dht',
    datastorePrefix: '/pokt-dht',
    metricsPrefix: 'libp2p_pokt_kad_dht'
  }
}

/**
 * The `ping` kad-dht is given: a peer with an open connection counts as alive at once (that connection's RTT), any
 * other target is pinged by the node's ping service (which dials it).
 *
 * kad-dht pings every contact before adding it to its routing table, and old contacts before evicting them. For a
 * connected peer that ping runs over the open connection, so it proves nothing the connection does not: libp2p's
 * connection monitor already pings every connection every 10 s and closes it when a ping fails. And it breaks the
 * connection: the ping protocol allows one outbound stream per connection, so a monitor heartbeat that comes while
 * kad-dht's ping is in flight fails with `TooManyOutboundProtocolStreamsError`, and the monitor aborts the
 * connection. In server mode every connection is a new contact: at 50 nodes in one process (localnet `--dht
 * server`) the first heartbeat aborted 50 connections, each abort caused redials, handshakes and more pings, the
 * CPU saturated and timeouts aborted hundreds more; gossipsub lost streams to peers and broadcasts reached 1–48
 * of the 50 nodes. Unconnected contacts still get a real ping, so dead peers are still evicted.
 */
export function connectedOrPing (components: Pick<KadDHTComponents, 'connectionManager' | 'ping'>): KadDHTComponents['ping'] {
  return {
    ping: async (peer, options) => {
      if (isPeerId(peer)) {
        const open = components.connectionManager.getConnections(peer).find(c => c.status === 'open')
        if (open !== undefined) return open.rtt ?? 0
      }
      return await components.ping.ping(peer, options)
    }
  }
}

/** The `reason` label of `pokt_background_dht_replies_refused_total`. */
function refusalReason (err: DhtReplyRefusal): 'too_large' | 'too_many_peers' | 'malformed' {
  switch (err.name) {
    case 'DhtReplyTooLargeError': return 'too_large'
    case 'DhtReplyTooManyPeersError': return 'too_many_peers'
    default: return 'malformed'
  }
}

/** What {@link backgroundServices} records in besides the node: where gossipsub's metrics go. */
export interface BackgroundServicesComponents {
  /**
   * Where gossipsub records its metrics (`gossipsub_*`, through {@link gossipsubMetricsRegister}): give the same
   * `Metrics` as to the router, so both appear in one registry.
   * @default the libp2p node's own `metrics` component when it has one; else gossipsub keeps no metrics
   */
  metrics?: Metrics
}

/**
 * The libp2p services the background router needs, configured from `init`: gossipsub as `pubsub` and kad-dht as
 * `dht`. Pass them to `createNode({ services })` of `@pokt-p2p/transport` (which adds identify and ping, both
 * required by these two), then give the node to {@link background}.
 *
 * @param init - the same options as the router's
 * @param components - `metrics`: where gossipsub records its metrics
 * @throws {InvalidConfigError} an invalid option
 */
export function backgroundServices (init: BackgroundInit = {}, components: BackgroundServicesComponents = {}): BackgroundServiceFactories {
  const cfg = resolveBackgroundInit(init)
  const options = backgroundGossipsubOptions(init)
  const dht = backgroundDHTOptions(init)
  const limits = { maxBytes: cfg.dhtMaxReplyBytes, maxPeers: cfg.dhtMaxReplyPeers }
  return {
    [PUBSUB_SERVICE]: (node: GossipSubComponents & { metrics?: Metrics }) => {
      const metrics = components.metrics ?? node.metrics
      return gossipsub({ ...options, ...(metrics === undefined ? {} : backgroundGossipsubMetricsOptions(metrics)) })(node)
    },
    // libp2p's components are a proxy that resolves services by name: inherit from it, with kad-dht's own `ping`,
    // and a connection manager that refuses oversized replies before kad-dht reads them
    [DHT_SERVICE]: (node: KadDHTComponents & { metrics?: Metrics }) => {
      const log = node.logger.forComponent('pokt:background:dht')
      const refused = (components.metrics ?? node.metrics)?.registerCounterGroup('pokt_background_dht_replies_refused_total', {
        label: 'reason', help: 'kad-dht replies refused before decoding, by reason'
      })
      const onRefused = (err: DhtReplyRefusal): void => {
        refused?.increment({ [refusalReason(err)]: true })
        log('%s', err.message)
      }
      return kadDHT(dht)(Object.create(node, {
        ping: { value: connectedOrPing(node) },
        connectionManager: { value: limitDhtReplies(node.connectionManager, cfg.dhtProtocol, limits, onRefused) }
      }))
    }
  } as BackgroundServiceFactories
}
