import { createHash } from 'node:crypto'
import { gossipsub, type GossipSub, type GossipSubComponents, type GossipsubOpts } from '@libp2p/gossipsub'
import { createTopicScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score'
import {
  kadDHT, passthroughMapper, removePrivateAddressesMapper,
  type KadDHT, type KadDHTComponents, type KadDHTInit
} from '@libp2p/kad-dht'
import { BACKGROUND_TOPIC } from '@pokt-p2p/transport'
import { createAny, encodeBackgroundMessage, encodePocketEnvelope, type Logger } from '@pokt-p2p/types'
import { checkBackgroundMessage } from './gossip/validator.js'
import { gossipsubMetricsRegister } from './gossipsub-metrics.js'
import { resolveBackgroundInit, type BackgroundInit } from './options.js'
import { limitDhtReplies, type DhtReplyRefusal } from './peers/dht-limits.js'
import { isPeerId, type Metrics, type PeerId } from '@libp2p/interface'

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
 * The `'content'` message id of a background gossip message: sha256 of the message re-encoded canonically, i.e.
 * of `BackgroundMessage{ PocketEnvelope{ Any{typeUrl, value}, nonce } }` as this package encodes it. The envelope
 * carries a random 64-bit nonce, so equal envelopes are the same message whoever publishes it (the gossipsub
 * default, `from ‖ seqno`, lets one envelope re-published by another node circulate twice); and however it is
 * wrapped: an unknown, repeated or reordered protobuf field at any layer gives the same id (hashing the bytes as
 * received made 128 ids of one envelope re-wrapped 128 ways). For a canonically encoded message the id is sha256
 * of the data, as before, so older nodes of this package agree on honest messages.
 */
export function contentMessageId (data: Uint8Array | undefined): Uint8Array {
  const bytes = data ?? new Uint8Array()
  // gossipsub computes the id of every copy it receives: the common case, bytes already canonical, costs a walk
  // over a few field headers instead of a decode and an encode (0.16 ms a 200-byte message, 15× the hash)
  if (isCanonicalBackgroundMessage(bytes)) return createHash('sha256').update(bytes).digest()
  // a message that does not decode keeps its raw hash; the validator rejects it
  return createHash('sha256').update(canonicalBackgroundMessage(bytes) ?? bytes).digest()
}

/**
 * The canonical encoding of what a background message says, decoded and encoded again: unknown, repeated or
 * reordered protobuf fields (at any of the three layers) all give the same bytes. `undefined` when it is not a
 * valid background message.
 */
export function canonicalBackgroundMessage (bytes: Uint8Array): Uint8Array | undefined {
  const check = checkBackgroundMessage(bytes)
  return check.ok
    ? encodeBackgroundMessage(encodePocketEnvelope(createAny(check.content.typeUrl, check.content.value), check.nonce))
    : undefined
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A varint at `at` written in the fewest bytes (as every protobuf encoder writes it) and within 64 bits: its value
 * (exact below 2^53, enough for lengths; nonces need only be non-zero) and the offset after it; `undefined` when
 * absent, cut short, padded or too large.
 */
function minimalVarint (bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0
  let scale = 1
  for (let i = at; i < bytes.length && i - at < 10; i++) {
    const b = bytes[i] as number
    value += (b & 0x7f) * scale
    scale *= 128
    // a 10th byte above 1 overflows 64 bits: decoders wrap it, so the bytes are not what they decode to
    if ((b & 0x80) === 0) return (b === 0 && i > at) || (i - at === 9 && b > 1) ? undefined : [value, i + 1]
  }
  return undefined
}

/** A length-delimited field `tag` at `at` with a non-empty, in-bounds value ending by `end`: [start, end of value]. */
function nonEmptyField (bytes: Uint8Array, at: number, tag: number, end: number): [number, number] | undefined {
  if (bytes[at] !== tag) return undefined
  const len = minimalVarint(bytes, at + 1)
  if (len === undefined || len[0] === 0 || len[1] + len[0] > end) return undefined
  return [len[1], len[1] + len[0]]
}

/**
 * Whether `bytes` are exactly what this package's encoder writes for the message they decode to:
 * `BackgroundMessage{1: data}` around `PocketEnvelope{1: Any, 2: nonce ≠ 0}` around `Any{1: typeUrl, 2: value}`,
 * each field once, in order, non-empty, with minimal varints and a valid UTF-8 type URL, and nothing else. Then
 * re-encoding would give the same bytes, so their hash is the canonical id. Anything else (including valid
 * messages this walk does not recognise) takes the decode-and-encode path, which is always right.
 */
export function isCanonicalBackgroundMessage (bytes: Uint8Array): boolean {
  const data = nonEmptyField(bytes, 0, 0x0a, bytes.length)
  if (data === undefined || data[1] !== bytes.length) return false
  const [envStart, envEnd] = data
  const any = nonEmptyField(bytes, envStart, 0x0a, envEnd)
  if (any === undefined || bytes[any[1]] !== 0x10) return false
  const nonce = minimalVarint(bytes, any[1] + 1)
  if (nonce === undefined || nonce[0] === 0 || nonce[1] !== envEnd) return false
  let at = any[0]
  const typeUrl = nonEmptyField(bytes, at, 0x0a, any[1])
  if (typeUrl !== undefined) {
    try {
      strictUtf8.decode(bytes.subarray(typeUrl[0], typeUrl[1]))
    } catch {
      return false
    }
    at = typeUrl[1]
  }
  if (at < any[1]) {
    const value = nonEmptyField(bytes, at, 0x12, any[1])
    if (value === undefined) return false
    at = value[1]
  }
  return at === any[1]
}

/**
 * Score parameters of the `pokt/background` topic (gossipsub's peer scoring; the thresholds stay gossipsub's
 * defaults: below -10 no gossip is exchanged with a peer, below -50 it gets no own publishes, below -80 it is
 * graylisted: every RPC from it is ignored; a negative score prunes it from the mesh at the next heartbeat).
 *
 * - `invalidMessageDeliveriesWeight: -10`, decaying by 1 % a second (half-life ≈ 69 s): each message the topic
 *   validator rejects counts, squared. 2 invalid messages stop gossip with the peer, 3 graylist it for a few
 *   seconds, 200 for about seven minutes. The validator runs at every hop, so honest peers never forward an invalid
 *   message. Without topic parameters gossipsub scored none of this: 200 rejected messages left a peer at 0.
 * - `firstMessageDeliveries` (weight 1, cap 10) and `timeInMesh` (0.01 a second, capped at 3600 s): a small reward
 *   for useful, long-standing mesh peers (the topic's positive part is capped at 10 by `topicScoreCap`).
 * - `meshMessageDeliveries` and `meshFailurePenalty` off (weight 0): they penalise mesh peers that deliver fewer
 *   messages than a threshold, which suits a steady stream; background traffic comes in bursts, and a quiet
 *   network would prune every honest peer.
 *
 * The router adds an application-specific score: minus the (decaying) number of messages an unstaked originator
 * published itself beyond `unstakedPublishRate` (gossipsub's default weight 10 per message).
 */
export const BACKGROUND_TOPIC_SCORE_PARAMS: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 3600,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99
}

/** Application-specific scores by gossipsub instance: the router registers its own ({@link setAppSpecificScore}). */
const appScores = new WeakMap<object, (peerId: string) => number>()

/**
 * Makes `score` the application-specific score gossipsub gives each peer on `pubsub` (a gossipsub created by
 * {@link backgroundServices}); `undefined` removes it (every peer scores 0 again).
 */
export function setAppSpecificScore (pubsub: object, score: ((peerId: string) => number) | undefined): void {
  if (score === undefined) appScores.delete(pubsub)
  else appScores.set(pubsub, score)
}

/** Why gossipsub refused a message before any validator ran (its `ValidateError`s), for an operator. */
const SIGNATURE_POLICY_REASONS: Record<string, string> = {
  invalid_seqno: 'it has no 8-byte sequence number',
  invalid_signature: 'it is unsigned or its signature does not verify',
  invalid_peerid: 'its `from` or key is missing or does not match',
  signature_present: 'it is signed',
  seqno_present: 'it has a sequence number',
  from_present: 'it names its author',
  transform_failed: 'its data could not be transformed'
}

/** Refusals already logged, by peer and reason; cleared when full, so a peer's refusal is logged again later. */
const LOGGED_REFUSALS_MAX = 1024

/**
 * Logs, once per peer and reason (up to {@link LOGGED_REFUSALS_MAX} at a time), why gossipsub refused a peer's
 * message for the signature policy. gossipsub drops them silently (counted only in
 * `gossipsub_msg_received_invalid_total{error}`), so a peer with another policy (a StrictNoSign client) just never
 * gets through. gossipsub has no hook for it: this wraps its (private) `validateReceivedMessage`, pinned at
 * 17.1.1; without that method nothing is wrapped.
 */
function logSignaturePolicyRefusals (pubsub: GossipSub, log: Logger): void {
  const target = pubsub as unknown as { validateReceivedMessage?: (from: PeerId, msg: unknown) => Promise<{ code: string, reason?: string, error?: string }> }
  const validate = target.validateReceivedMessage?.bind(pubsub)
  if (validate === undefined) return
  const logged = new Set<string>()
  target.validateReceivedMessage = async (from, msg) => {
    const result = await validate(from, msg)
    if (result.code === 'invalid' && result.reason === 'error' && result.error !== undefined) {
      const key = `${from.toString()} ${result.error}`
      if (!logged.has(key)) {
        if (logged.size >= LOGGED_REFUSALS_MAX) logged.clear()
        logged.add(key)
        log('refused gossip from %s: %s (%s). This node requires StrictSign: every message signed by its author ' +
          'with a sequence number, as go-libp2p-pubsub does; the peer publishes with another signature policy ' +
          '(e.g. StrictNoSign) and none of its messages will be accepted. Further refusals of this peer for this ' +
          'reason are not logged', from.toString(), SIGNATURE_POLICY_REASONS[result.error] ?? result.error, result.error)
      }
    }
    return result
  }
}

/**
 * The gossipsub options of the background router. Every option that differs from the gossipsub default, and why:
 *
 * - `msgIdFn` / `fastMsgIdFn` — with `messageIdFunction: 'content'` (the default), the canonical content hash
 *   ({@link contentMessageId}); the fast id is the same hash as hex, so a duplicate is recognised before its
 *   signature is verified (gossipsub verifies signatures before `msgIdFn`). With `'reference'`, gossipsub's
 *   default (`from ‖ seqno`), as the reference's Go nodes.
 * - `scoreParams.topics['pokt/background']` — {@link BACKGROUND_TOPIC_SCORE_PARAMS}: rejected messages cost score,
 *   so an outsider sending invalid ones is pruned and graylisted; and `scoreParams.appSpecificScore`, which the
 *   router sets (`setAppSpecificScore`) to penalise unstaked originators over their publish rate.
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
export function backgroundGossipsubOptions (init: BackgroundInit = {}, appSpecificScore: (peerId: string) => number = () => 0): Partial<GossipsubOpts> {
  const cfg = resolveBackgroundInit(init)
  return {
    // 'reference': gossipsub's default for StrictSign, from ‖ seqno
    ...(cfg.messageIdFunction === 'content'
      ? {
        msgIdFn: msg => contentMessageId(msg.data),
        fastMsgIdFn: rpcMsg => Buffer.from(contentMessageId(rpcMsg.data)).toString('hex')
      } satisfies Partial<GossipsubOpts>
      : {}),
    allowedTopics: [BACKGROUND_TOPIC],
    maxInboundDataLength: cfg.maxMessageBytes + GOSSIPSUB_FRAME_OVERHEAD_BYTES,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    emitSelf: cfg.emitSelf,
    heartbeatInterval: cfg.heartbeatIntervalMs,
    unsubcribeBackoff: unsubscribeBackoffMs(cfg.heartbeatIntervalMs),
    scoreParams: {
      IPColocationFactorWhitelist: new Set(cfg.ipColocationWhitelist),
      topics: { [BACKGROUND_TOPIC]: createTopicScoreParams(BACKGROUND_TOPIC_SCORE_PARAMS) },
      appSpecificScore
    }
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
  const dht = backgroundDHTOptions(init)
  const limits = { maxBytes: cfg.dhtMaxReplyBytes, maxPeers: cfg.dhtMaxReplyPeers }
  return {
    [PUBSUB_SERVICE]: (node: GossipSubComponents & { metrics?: Metrics }) => {
      const metrics = components.metrics ?? node.metrics
      // the router, created later, registers its score for this instance (setAppSpecificScore)
      // called by gossipsub's scoring only, after `instance` is set
      const appSpecificScore = (peerId: string): number => appScores.get(instance)?.(peerId) ?? 0
      const instance: GossipSub = gossipsub({
        ...backgroundGossipsubOptions(init, appSpecificScore),
        ...(metrics === undefined ? {} : backgroundGossipsubMetricsOptions(metrics))
      })(node)
      logSignaturePolicyRefusals(instance, node.logger.forComponent('pokt:background'))
      return instance
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
