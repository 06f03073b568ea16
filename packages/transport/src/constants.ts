/** Protocol ids and defaults shared with the Go reference (`p2p/protocol/protocol.go`, `runtime/defaults`). */

import { BACKGROUND_STREAM_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID } from '@pokt-p2p/types'

export {
  RAINTREE_PROTOCOL_ID, BACKGROUND_PROTOCOL_ID, BACKGROUND_TOPIC, RAINTREE_STREAM_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID
} from '@pokt-p2p/types'

/** Default P2P listen port (reference `DefaultP2PPort`). */
export const DEFAULT_P2P_PORT = 42069

/** Default inbound connection limit of the spec. */
export const DEFAULT_MAX_INBOUND_CONNECTIONS = 125
/** Default outbound connection limit of the spec. */
export const DEFAULT_MAX_OUTBOUND_CONNECTIONS = 125

/** The reference's `readStreamTimeout`: a whole inbound message must arrive within this many ms. */
export const DEFAULT_READ_TIMEOUT_MS = 10_000

/** Deadline of one send (dial, protocol negotiation, write, close). The reference had none (`context.TODO`). */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000

/**
 * Concurrent streams per connection and protocol. Each inbound stream may buffer up to `maxMessageBytes`, so this
 * bounds the memory one connection can pin: `maxInboundStreams × maxMessageBytes`.
 */
export const DEFAULT_MAX_INBOUND_STREAMS = 32
/** Concurrent outbound streams per connection and protocol; a send beyond them fails. */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 64

/** Largest yamux receive window per stream; bounds how far past the cap an oversize message is buffered. */
export const DEFAULT_MAX_STREAM_WINDOW_BYTES = 4 * 1024 * 1024

/**
 * Sends in flight to one peer at once; more wait for a slot (within their timeout). Kept below the receivers'
 * `maxInboundStreams` (32 by default in js-libp2p) so bursts queue here instead of being reset there.
 */
export const DEFAULT_MAX_CONCURRENT_SENDS_PER_PEER = 16

/**
 * Sends in flight at once over all peers; more wait for a slot (within their timeout), they do not fail. It bounds
 * the dials, negotiations and streams one node has under way. A RainTree hop sends to 2–3 peers and the background
 * router to its handful of unicast peers, so 256 (16 peers at the per-peer limit) is only reached by a node
 * flooding many peers at once, which it should then pace.
 */
export const DEFAULT_MAX_CONCURRENT_SENDS = 256

/**
 * The protocols carried as length-prefixed frames on one long-lived stream per peer: RainTree's and the
 * background router's v2. Their v1 ids (one message per stream) stay as they are, for the Go reference nodes.
 */
export const DEFAULT_FRAMED_PROTOCOLS: readonly string[] = Object.freeze([RAINTREE_STREAM_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID])

/**
 * A framed stream that carried no frame either way for this long is closed (the next send reopens it, one round
 * trip). A minute keeps the streams of neighbours a node talks to every few seconds (consensus steps, RainTree
 * levels) open, and releases those of peers it met once (a broadcast's originator, a one-off request) instead of
 * keeping a stream per peer of the network forever. It stays under libp2p's stream `inactivityTimeout` (120 s).
 */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 60_000

/**
 * Handler calls of one framed stream in flight at once. Frames are handed over in arrival order; at the limit
 * reading pauses, so a slow handler holds up its sender (yamux stops granting window) instead of growing a
 * queue. 1 would hand frames over strictly one at a time; 16 (the same as a sender's per-peer limit, the
 * concurrency one peer had on the v1 path) keeps two routers whose handlers await their own forwards to each
 * other from blocking each other on one frame each.
 */
export const DEFAULT_MAX_CONCURRENT_HANDLERS_PER_STREAM = 16

/**
 * Streams a remote may open on a new connection before this side has finished setting it up. yamux's default (10)
 * aborts the whole connection on the 11th, which a burst of first sends (16 per peer here, more from Go nodes)
 * exceeds right after a dial.
 */
export const DEFAULT_MAX_EARLY_STREAMS = 32

/**
 * Deadline of libp2p's identify exchange on a new connection. libp2p's 5 s default is missed by a CPU-starved
 * process (many nodes in one process, or a busy machine), and a connection whose identify failed never tells the
 * services that need the peer's protocols (gossipsub, kad-dht) that it speaks them.
 */
export const DEFAULT_IDENTIFY_TIMEOUT_MS = 30_000

/**
 * Smallest back-pressure threshold of an emulated link (`emulatedMemory`): bytes one connection may have waiting
 * on its node's uplink before `send` reports back-pressure. The default is the larger of this and one
 * bandwidth-delay product.
 */
export const DEFAULT_LINK_HIGH_WATER_MARK_BYTES = 1024 * 1024

/**
 * Inbound connections still in their handshake (noise, then the muxer) at once from hosts without reserved capacity
 * (not in `reservedHost`). libp2p's own limit is 10 for every host together, each held up to 10 s, so ten silent
 * sockets locked out every validator. 32 keeps room for a burst of honest newcomers while bounding what silent
 * sockets can hold; with {@link DEFAULT_MAX_PENDING_INBOUND_PER_HOST} an attacker needs 8 addresses to fill it, and
 * reserved hosts never wait for it.
 */
export const DEFAULT_MAX_PENDING_INBOUND = 32

/**
 * Pending inbound connections from one host without reserved capacity. An honest peer opens one connection at a
 * time (two when both ends dial at once); 4 leaves room for that and for a NAT shared by a few peers.
 */
export const DEFAULT_MAX_PENDING_INBOUND_PER_HOST = 4

/**
 * Pending inbound connections from one reserved host (a staked peer's IP). Reserved hosts do not share a pool, so
 * this caps what an attacker behind a validator's IP can hold: that host's slots, not any other validator's.
 */
export const DEFAULT_MAX_PENDING_INBOUND_PER_RESERVED_HOST = 8

/**
 * Handshake deadline of an inbound connection from a host without reserved capacity. The handshake is 2–3 round
 * trips (multistream for noise, noise XX, multistream for yamux): well under a second between continents, so 3 s
 * leaves room for a busy node, while a silent socket holds its slot 3 s instead of libp2p's 10 s (reserved hosts
 * keep libp2p's 10 s `inboundUpgradeTimeout`).
 */
export const DEFAULT_PENDING_INBOUND_TIMEOUT_MS = 3_000

/** New inbound connections per second from one host without reserved capacity (libp2p's own default, 5). */
export const DEFAULT_INBOUND_CONNECTIONS_PER_SECOND_PER_HOST = 5

/**
 * Node-wide bytes held by unfinished inbound messages (v1 messages being read, framed messages being assembled or
 * waiting for a handler) of every peer and protocol. Without it one peer pinned 256 MiB per connection (32 streams ×
 * 2 protocols × 4 MiB), 31 GiB over 125 connections. 64 MiB is 15 blocks of the largest size in flight at once: a
 * RainTree hop receives a block from 2–3 senders.
 */
export const DEFAULT_MAX_INBOUND_BYTES = 64 * 1024 * 1024

/**
 * The part of {@link DEFAULT_MAX_INBOUND_BYTES} held for peers that pass the transport's `priorityPeer` predicate
 * (the staked set, when wired by the p2p module): others together never hold more than the rest (16 MiB), so
 * outsiders cannot starve validators' messages. Outsiders only send background unicast (RainTree refuses them, and
 * gossip has its own limits), so 3 messages of the largest size at once is plenty for them; and what they can pin
 * stays under the issue's 100 MB (10 attacking connections: 70–84 MiB of RSS growth, against 81–93 MiB with a
 * 32 MiB share; most of the rest is the 256 KiB yamux lets every refused stream send before its reset arrives).
 */
export const DEFAULT_PRIORITY_INBOUND_BYTES = 48 * 1024 * 1024
