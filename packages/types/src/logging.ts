import { defaultLogger } from '@libp2p/logger'
import type { ComponentLogger } from '@libp2p/interface'

export type { ComponentLogger, Logger, Metrics } from '@libp2p/interface'

/**
 * The logger a service uses when none is injected: libp2p's `debug`-based one, so `DEBUG=pokt:*` shows every
 * Pocket P2P namespace (`pokt:raintree`, `pokt:background`, `pokt:transport`, `pokt:providers`, `pokt:p2p`) and
 * `DEBUG=pokt:*,libp2p:*` shows libp2p's too.
 */
export function defaultComponentLogger (): ComponentLogger {
  return defaultLogger()
}
