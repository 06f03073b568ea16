/** Protocol identifiers shared with the Go reference (`p2p/protocol/protocol.go`). */

/** Stream protocol of RainTree unicast messages (reference `RaintreeProtocolID`, no leading slash). */
export const RAINTREE_PROTOCOL_ID = 'pokt/raintree/v1.0.0'

/** Stream protocol of background-router unicast messages (reference `BackgroundProtocolID`). */
export const BACKGROUND_PROTOCOL_ID = 'pokt/background/v1.0.0'

/** Gossipsub topic of the background router (reference `BackgroundTopicStr`). */
export const BACKGROUND_TOPIC = 'pokt/background'
