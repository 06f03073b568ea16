/** Protocol identifiers shared with the Go reference (`p2p/protocol/protocol.go`). */

/** Stream protocol of RainTree unicast messages (reference `RaintreeProtocolID`, no leading slash). */
export const RAINTREE_PROTOCOL_ID = 'pokt/raintree/v1.0.0'

/** Stream protocol of background-router unicast messages (reference `BackgroundProtocolID`). */
export const BACKGROUND_PROTOCOL_ID = 'pokt/background/v1.0.0'

/**
 * RainTree's fast path: one long-lived stream per neighbour carrying length-prefixed frames (data, and the
 * reliability layer's control frames). Spoken only between nodes of this implementation; a peer that does not
 * offer it gets {@link RAINTREE_PROTOCOL_ID}.
 */
export const RAINTREE_STREAM_PROTOCOL_ID = 'pokt/raintree/v2.0.0'

/** The background router's unicast on long-lived framed streams; falls back to {@link BACKGROUND_PROTOCOL_ID}. */
export const BACKGROUND_STREAM_PROTOCOL_ID = 'pokt/background/v2.0.0'

/** Gossipsub topic of the background router (reference `BackgroundTopicStr`). */
export const BACKGROUND_TOPIC = 'pokt/background'

/** RainTree's targeting rules, every one of them (see {@link RainTreeMode}). */
export const RAINTREE_MODES = ['complete', 'reference'] as const

/**
 * RainTree's targeting rules: `complete` reaches every node exactly once; `reference` sends exactly what the Go
 * implementation sends, holes included.
 */
export type RainTreeMode = typeof RAINTREE_MODES[number]

/** The libp2p transports a node can listen on, every one of them (see {@link ConnectionType}). */
export const CONNECTION_TYPES = ['tcp', 'memory'] as const

/** How a node connects: TCP, or libp2p's in-process memory transport (simulations, tests). */
export type ConnectionType = typeof CONNECTION_TYPES[number]
