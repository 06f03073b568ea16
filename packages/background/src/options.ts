import { DEFAULT_MAX_MESSAGE_BYTES, InvalidConfigError, integerOption } from '@pokt-p2p/types'

/** Default kad-dht protocol: a pocket namespace, so nodes never join (or answer) the public IPFS DHT. */
export const DEFAULT_DHT_PROTOCOL = '/pokt/kad/1.0.0'

/**
 * Options of the background router and of the gossipsub and kad-dht services it needs. The same object goes to
 * {@link backgroundServices} (service configuration) and to {@link background} (router behaviour).
 */
export interface BackgroundInit {
  /**
   * Run kad-dht as a client only: the node queries the DHT but does not answer queries and is not added to other
   * nodes' routing tables. For client-only participants (CLI, light clients) that are not reachable from outside.
   * The reference used client mode only in client debug mode.
   * @default false (server: every full participant helps others find peers)
   */
  clientMode?: boolean
  /**
   * kad-dht protocol id. A private prefix keeps the DHT to pocket nodes: with the libp2p default
   * (`/ipfs/kad/1.0.0`) nodes would join, and be filled by, the public IPFS DHT.
   * @default '/pokt/kad/1.0.0'
   */
  dhtProtocol?: string
  /**
   * Gossipsub heartbeat (mesh maintenance, gossip emission) in ms. Tests use 100–200 ms to form meshes quickly.
   * @default 1000 (the gossipsub spec value)
   */
  heartbeatIntervalMs?: number
  /**
   * Largest `BackgroundMessage` accepted, in bytes. Larger gossip messages are rejected by the topic validator
   * (counted, never forwarded); larger unicast messages are cut off by the transport; larger broadcasts and sends
   * throw `MessageTooLargeError` locally. Gossipsub's frame limit is set to this plus 64 KiB of RPC overhead, so a
   * frame beyond that closes the stream. Broadcasts are further capped at `GOSSIPSUB_MAX_MESSAGE_BYTES` (4 MiB less
   * 64 KiB): gossipsub sends no RPC over 4 MiB.
   * @default DEFAULT_MAX_MESSAGE_BYTES of @pokt-p2p/types (4 MiB + 64 KiB)
   */
  maxMessageBytes?: number
  /**
   * Deliver a node's own broadcasts to its own `message` listeners. The reference does (go-libp2p-pubsub delivers
   * local publishes to local subscriptions) and the p2p module de-duplicates by nonce, so `true` keeps its
   * behaviour: the originator handles its own broadcast once, like every other node.
   * @default true
   */
  emitSelf?: boolean
  /**
   * IP addresses exempt from gossipsub's IP-colocation penalty. The penalty (weight -5 beyond 10 peers per IP)
   * stops one host from filling a mesh with sybils; but when more than 10 peers share an IP (local networks,
   * tests on 127.0.0.1) it scores every peer negative and the mesh stays empty. Production keeps the penalty.
   * @default [] (no exemption)
   */
  ipColocationWhitelist?: string[]
  /**
   * Let the DHT store and hand out private addresses (127.0.0.1, 10/8, 192.168/16…). kad-dht's default mapper drops
   * them, which leaves an all-loopback or all-LAN network with empty routing tables. Localnet and tests set it.
   * @default false (only public addresses are exchanged)
   */
  privateAddresses?: boolean
  /**
   * Dial at most this many initial peers at bootstrap: the ones following this node in address order (wrapping),
   * so that every node's choice together forms a connected ring; the DHT and gossipsub find the rest. Unlimited
   * dials every initial peer, which costs N² handshakes when N nodes share one process (local networks).
   * @default Infinity (every initial peer)
   */
  bootstrapPeerLimit?: number
  /**
   * Connection attempts per bootstrap peer, including the first (the reference's `connectMaxRetries`, which also
   * counted attempts). `1` disables retries.
   * @default 5
   */
  bootstrapRetries?: number
  /**
   * Wait before the second attempt; each further wait doubles, up to {@link BackgroundInit.bootstrapBackoffMaxMs},
   * without jitter (so a schedule is reproducible). The reference slept a fixed 2 s, also after the last attempt.
   * @default 500
   */
  bootstrapBackoffMs?: number
  /**
   * Upper bound of one backoff wait.
   * @default 8000
   */
  bootstrapBackoffMaxMs?: number
  /**
   * Deadline of one dial attempt, ms.
   * @default 5000
   */
  dialTimeoutMs?: number
  /**
   * Connections the router tries to keep: while the node has fewer, peers found by the DHT are dialled, and the
   * periodic discovery runs. Gossipsub wants about `D = 6` mesh peers; 8 leaves room for churn.
   * @default 8
   */
  minConnections?: number
  /**
   * Interval of connection maintenance, ms: when below {@link BackgroundInit.minConnections}, a DHT lookup of the
   * node's own id (and, with no connection at all, one dial to every known peer).
   * @default 30000
   */
  discoveryIntervalMs?: number
  /**
   * Bytes one kad-dht reply may carry. A longer reply is refused (its stream aborted, none of its peers used) before
   * kad-dht decodes it. An honest FIND_NODE reply names at most K = 20 peers, a few KB; one reply of 10,000 made-up
   * peers (≈ 500 KB) used to stall the node for 30–57 s in kad-dht's routing-table queue. `Infinity` disables it.
   * @default 65536 (64 KiB: 20 peers with a dozen addresses each fit several times over)
   */
  dhtMaxReplyBytes?: number
  /**
   * Peers (closer plus provider peers) one kad-dht reply may name; a reply naming more is refused whole. kad-dht
   * answers with at most its bucket size K = 20 (go-libp2p-kad-dht too), so only a hostile node exceeds it.
   * `Infinity` disables it.
   * @default 40 (twice K: room for a peer with a larger bucket size)
   */
  dhtMaxReplyPeers?: number
  /**
   * Discovered peers the background peerstore keeps (the initial peers and those given to `addPeer` are pinned and
   * not counted). Past it the least recently seen discovered peer is evicted (a valid message from a peer counts as
   * seeing it). Peers are admitted only after a valid pocket message from them (unicast or gossip) or a verified
   * discovery (a connection this node dialled whose identify lists a pocket protocol), so the cap bounds what
   * sybils that do speak the protocol can pin; before, every connection added a permanent entry.
   * @default 4096 (room for several thousand unstaked participants; ≈ 1.2 KB of heap each, measured over 10,000 churned peers, so ≈ 5 MB at most)
   */
  maxDiscoveredPeers?: number
  /**
   * How gossip message ids are computed: a network-wide setting, since peers with different id functions still
   * exchange mesh messages but their IHAVE/IWANT gossip never matches (each asks for ids the other does not have).
   *
   * - `'content'`: sha256 of the message re-encoded canonically (the envelope's nonce, type URL and value in a fresh
   *   `BackgroundMessage`), so equal envelopes are one message whoever publishes them and however they are wrapped:
   *   extra or repeated protobuf fields no longer make new ids (one envelope re-wrapped 128 ways made 128 ids, each
   *   flooding the network). For a canonically encoded message it equals the earlier id (sha256 of the data), so
   *   nodes of this package before and after interoperate.
   * - `'reference'`: gossipsub's default `from ‖ seqno`, what the reference (Go) nodes use. Choose it for a network
   *   with reference nodes. Re-wrapping then needs the originator's key (messages are signed, StrictSign), and a
   *   re-published envelope is de-duplicated by the p2p module's nonce check instead.
   * @default 'content'
   */
  messageIdFunction?: 'content' | 'reference'
  /**
   * Gossip messages per second an unstaked originator may have accepted by this node (a token bucket per
   * originator, the message's signer). Over the limit a message is ignored: not delivered, not forwarded; when the
   * originator sent it itself, it also loses score (see `backgroundGossipsubOptions`), so a spamming outsider is
   * pruned from the mesh and graylisted. Staked originators are not limited. `Infinity` disables it.
   * @default 10 (an unstaked participant has little to broadcast; 700/s from one outsider all reached the application before)
   */
  unstakedPublishRate?: number
  /**
   * Messages an unstaked originator may publish at once after a quiet period (the token bucket's size).
   * @default 100
   */
  unstakedPublishBurst?: number
}

/** {@link BackgroundInit} with every default filled in and every value validated (see {@link resolveBackgroundInit}). */
export interface ResolvedBackgroundInit {
  /** {@inheritDoc BackgroundInit.clientMode} */
  clientMode: boolean
  /** {@inheritDoc BackgroundInit.dhtProtocol} */
  dhtProtocol: string
  /** {@inheritDoc BackgroundInit.heartbeatIntervalMs} */
  heartbeatIntervalMs: number
  /** {@inheritDoc BackgroundInit.maxMessageBytes} */
  maxMessageBytes: number
  /** {@inheritDoc BackgroundInit.emitSelf} */
  emitSelf: boolean
  /** {@inheritDoc BackgroundInit.ipColocationWhitelist} */
  ipColocationWhitelist: string[]
  /** {@inheritDoc BackgroundInit.privateAddresses} */
  privateAddresses: boolean
  /** {@inheritDoc BackgroundInit.bootstrapRetries} */
  bootstrapRetries: number
  /** {@inheritDoc BackgroundInit.bootstrapPeerLimit} */
  bootstrapPeerLimit: number
  /** {@inheritDoc BackgroundInit.bootstrapBackoffMs} */
  bootstrapBackoffMs: number
  /** {@inheritDoc BackgroundInit.bootstrapBackoffMaxMs} */
  bootstrapBackoffMaxMs: number
  /** {@inheritDoc BackgroundInit.dialTimeoutMs} */
  dialTimeoutMs: number
  /** {@inheritDoc BackgroundInit.minConnections} */
  minConnections: number
  /** {@inheritDoc BackgroundInit.discoveryIntervalMs} */
  discoveryIntervalMs: number
  /** {@inheritDoc BackgroundInit.dhtMaxReplyBytes} */
  dhtMaxReplyBytes: number
  /** {@inheritDoc BackgroundInit.dhtMaxReplyPeers} */
  dhtMaxReplyPeers: number
  /** {@inheritDoc BackgroundInit.maxDiscoveredPeers} */
  maxDiscoveredPeers: number
  /** {@inheritDoc BackgroundInit.messageIdFunction} */
  messageIdFunction: 'content' | 'reference'
  /** {@inheritDoc BackgroundInit.unstakedPublishRate} */
  unstakedPublishRate: number
  /** {@inheritDoc BackgroundInit.unstakedPublishBurst} */
  unstakedPublishBurst: number
}

/** An integer option that may also be `Infinity` (no limit). */
function limitOption (name: string, value: number, min: number): number {
  return value === Infinity ? Infinity : integerOption(name, value, { min })
}

/**
 * Fills in defaults and validates.
 * @throws {InvalidConfigError} a non-positive or non-integer number, an empty DHT protocol
 */
export function resolveBackgroundInit (init: BackgroundInit = {}): ResolvedBackgroundInit {
  const messageIdFunction = init.messageIdFunction ?? 'content'
  if (messageIdFunction !== 'content' && messageIdFunction !== 'reference') {
    throw new InvalidConfigError('messageIdFunction', `must be 'content' or 'reference', got ${JSON.stringify(messageIdFunction)}`)
  }
  const dhtProtocol = init.dhtProtocol ?? DEFAULT_DHT_PROTOCOL
  if (typeof dhtProtocol !== 'string' || dhtProtocol.length === 0) {
    throw new InvalidConfigError('dhtProtocol', 'must be a non-empty string')
  }
  return {
    clientMode: init.clientMode ?? false,
    dhtProtocol,
    heartbeatIntervalMs: integerOption('heartbeatIntervalMs', init.heartbeatIntervalMs ?? 1000, { min: 1 }),
    maxMessageBytes: integerOption('maxMessageBytes', init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, { min: 1 }),
    emitSelf: init.emitSelf ?? true,
    ipColocationWhitelist: [...(init.ipColocationWhitelist ?? [])],
    privateAddresses: init.privateAddresses ?? false,
    bootstrapRetries: integerOption('bootstrapRetries', init.bootstrapRetries ?? 5, { min: 1 }),
    bootstrapPeerLimit: init.bootstrapPeerLimit === undefined || init.bootstrapPeerLimit === Infinity
      ? Infinity
      : integerOption('bootstrapPeerLimit', init.bootstrapPeerLimit, { min: 1 }),
    bootstrapBackoffMs: integerOption('bootstrapBackoffMs', init.bootstrapBackoffMs ?? 500, { min: 0 }),
    bootstrapBackoffMaxMs: integerOption('bootstrapBackoffMaxMs', init.bootstrapBackoffMaxMs ?? 8000, { min: 0 }),
    dialTimeoutMs: integerOption('dialTimeoutMs', init.dialTimeoutMs ?? 5000, { min: 1 }),
    minConnections: integerOption('minConnections', init.minConnections ?? 8, { min: 0 }),
    discoveryIntervalMs: integerOption('discoveryIntervalMs', init.discoveryIntervalMs ?? 30_000, { min: 1 }),
    dhtMaxReplyBytes: limitOption('dhtMaxReplyBytes', init.dhtMaxReplyBytes ?? 64 * 1024, 1),
    dhtMaxReplyPeers: limitOption('dhtMaxReplyPeers', init.dhtMaxReplyPeers ?? 40, 1),
    maxDiscoveredPeers: limitOption('maxDiscoveredPeers', init.maxDiscoveredPeers ?? 4096, 1),
    messageIdFunction,
    unstakedPublishRate: limitOption('unstakedPublishRate', init.unstakedPublishRate ?? 10, 1),
    unstakedPublishBurst: integerOption('unstakedPublishBurst', init.unstakedPublishBurst ?? 100, { min: 1 })
  }
}
