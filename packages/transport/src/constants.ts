/** Protocol ids and defaults shared with the Go reference (`p2p/protocol/protocol.go`, `runtime/defaults`). */

export { RAINTREE_PROTOCOL_ID, BACKGROUND_PROTOCOL_ID, BACKGROUND_TOPIC } from '@pokt-p2p/types'

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
