/**
 * @packageDocumentation
 *
 * The shared vocabulary of the Pocket P2P packages: ed25519 identities and pocket addresses, peers and the
 * peerstore, the self-rotated sorted peers view RainTree walks, the nonce de-duplicator, the wire messages
 * (generated from `proto/` with `@bufbuild/protobuf`) and {@link checkEnvelope}, the one check every router applies
 * to them; one error class per condition and one vocabulary of drop reasons; the {@link Router} contract and the
 * {@link MessageTransport} interface routers use to move bytes; the {@link Lifecycle} every service starts and
 * stops with; and what services are given (libp2p's `ComponentLogger` and `Metrics`, with {@link MemoryMetrics}).
 *
 * Nothing here opens a socket. Test tools (the in-process network, the router compliance suite) are in
 * `@pokt-p2p/testing`.
 *
 * @example
 * ```ts
 * import {
 *   PeerManager, PocketEnvelopeSchema, checkEnvelope, create, createAny, createPeer, encodePocketEnvelope, testIdentity,
 *   toBinary
 * } from '@pokt-p2p/types'
 *
 * // three validators with the reference's test keys: each one's view is the sorted set, rotated to start at itself
 * const self = testIdentity(1)
 * const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, '127.0.0.1:42069'))
 * const manager = new PeerManager(self.address, peers)
 * console.log(manager.view.length, manager.view.at(0) === self.address)
 *
 * // a router checks the envelope bytes it carries once, and hands on the nonce and content it found
 * const check = checkEnvelope(encodePocketEnvelope(createAny('type.googleapis.com/pocket.DebugMessage'), 42n))
 * if (check.ok) console.log(check.nonce, check.content.typeUrl)
 *
 * // anything else is refused with one of the shared drop reasons, never with an exception
 * const nonceZero = toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content: createAny('x') }))
 * for (const bytes of [new Uint8Array(), Uint8Array.of(0xff), nonceZero]) {
 *   const refused = checkEnvelope(bytes)
 *   if (!refused.ok) console.log(refused.reason, refused.error.name)
 * }
 * ```
 */

export * from './errors.js'
export * from './identity.js'
export * from './peer.js'
export * from './peerstore.js'
export * from './staked-set.js'
export * from './view.js'
export * from './peer-manager.js'
export * from './nonce-deduper.js'
export * from './message-deduper.js'
export * from './events.js'
export * from './router.js'
export * from './envelope.js'
export * from './lifecycle.js'
export * from './clock.js'
export * from './abort.js'
export * from './metrics.js'
export * from './logging.js'
export * from './bootstrap.js'
export * from './validate.js'
export * from './providers.js'
export * from './protocol.js'
export * from './message-transport.js'
export * from './wire.js'
export { bytesToHex, tryHexToBytes } from './hex.js'
export { RainTreeMessageSchema, RainTreeMessage_Control as RainTreeControl, type RainTreeMessage } from './gen/pokt/raintree_pb.js'
export { BackgroundMessageSchema, type BackgroundMessage } from './gen/pokt/background_pb.js'
export { PocketEnvelopeSchema, type PocketEnvelope } from './gen/pokt/pocket_envelope_pb.js'
export {
  ConsensusNewHeightEventSchema, type ConsensusNewHeightEvent,
  StateMachineTransitionEventSchema, type StateMachineTransitionEvent,
  NodeStartedEventSchema, type NodeStartedEvent
} from './gen/pokt/events_pb.js'
export type { Any } from '@bufbuild/protobuf/wkt'
export { AnySchema } from '@bufbuild/protobuf/wkt'
export { create, toBinary, fromBinary } from '@bufbuild/protobuf'
