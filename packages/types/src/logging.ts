import { defaultLogger } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export type { ComponentLogger, Logger, Metrics } from '@libp2p/interface'

/** One logger per namespace, shared by every instance that logs under it (see {@link defaultComponentLogger}). */
const sharedLoggers = new Map<string, Logger>()
const sharedComponentLogger: ComponentLogger = Object.freeze({
  forComponent (name: string): Logger {
    let logger = sharedLoggers.get(name)
    if (logger === undefined) {
      logger = defaultLogger().forComponent(name)
      sharedLoggers.set(name, logger)
    }
    return logger
  }
})

/**
 * The logger a service uses when none is injected: libp2p's `debug`-based one, so `DEBUG=pokt:*` shows every
 * Pocket P2P namespace (`pokt:raintree`, `pokt:background`, `pokt:transport`, `pokt:providers`, `pokt:p2p`) and
 * `DEBUG=pokt:*,libp2p:*` shows libp2p's too. Its loggers are made once per namespace and shared: a `debug`
 * logger weighs about 2 KiB, too much to make per instance when a simulator runs a million routers.
 */
export function defaultComponentLogger (): ComponentLogger {
  return sharedComponentLogger
}
