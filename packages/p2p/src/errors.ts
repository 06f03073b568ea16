import { PocketP2PError } from '@pokt-p2p/types'

/** `handleEvent` got an event type the module does not handle (reference "unknown event type"). */
export class UnknownEventTypeError extends PocketP2PError {
  static override name = 'UnknownEventTypeError'
  /** @param typeUrl - the event's `Any` type URL */
  constructor (readonly typeUrl: string) {
    super(`unknown event type: ${typeUrl}`)
  }
}

/** `start()` failed; the module is left stopped with everything it had opened released. */
export class StartError extends PocketP2PError {
  static override name = 'StartError'
}

/** No bootstrap source produced a usable staked peerstore. */
export class BootstrapFailedError extends PocketP2PError {
  static override name = 'BootstrapFailedError'
}

/** The module has no router for the operation (an unstaked node with the background router disabled). */
export class NoRouterError extends PocketP2PError {
  static override name = 'NoRouterError'
}
