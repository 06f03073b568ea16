import { defaultComponentLogger, type ComponentLogger, type Logger, type Metrics } from '@pokt-p2p/types'

/** The log namespace of this package: `DEBUG=pokt:providers` (or `pokt:*`) shows it. */
export const LOG_NAMESPACE = 'pokt:providers'

/** Name of the counter of RPC requests by `outcome`: `ok`, `failed` (the last attempt failed) or `retried`. */
export const RPC_REQUESTS_METRIC = 'pokt_providers_rpc_requests_total'

/** Name of the gauge of the last height a height provider observed (or was set to). */
export const HEIGHT_METRIC = 'pokt_providers_height'

/**
 * What every provider and the RPC server are given, as libp2p components are: where to log and where to count.
 * Also accepted in the options of the operations that do I/O (`bootstrap`, `checkHealth`, `loadGenesisFile`).
 */
export interface ProviderComponents {
  /**
   * Where to log, under the `pokt:providers` namespace: RPC request failures and retries, bootstrap progress, height
   * changes.
   * @default defaultComponentLogger() (libp2p's `debug` logger: `DEBUG=pokt:providers`)
   */
  logger?: ComponentLogger
  /**
   * Where to count: `pokt_providers_rpc_requests_total{outcome}` (`ok`, `failed`, `retried`) and the
   * `pokt_providers_height` gauge.
   * @default undefined (nothing is counted)
   */
  metrics?: Metrics
}

/** How an RPC request ended, as counted in `pokt_providers_rpc_requests_total`. */
export type RpcRequestOutcome = 'ok' | 'failed' | 'retried'

/** The logger and metrics of one provider, resolved from its components. */
export interface Instruments {
  /** the `pokt:providers` logger */
  log: Logger
  /** counts one RPC request (or retried attempt) */
  request: (outcome: RpcRequestOutcome) => void
  /** sets the height gauge */
  height: (height: bigint) => void
}

/** Resolves `components` into a logger and metric updaters (no-ops without `metrics`). */
export function instruments (components: ProviderComponents): Instruments {
  const log = (components.logger ?? defaultComponentLogger()).forComponent(LOG_NAMESPACE)
  // registering again by name continues the same series (libp2p's metrics do), so every provider can register
  const requests = components.metrics?.registerCounterGroup(RPC_REQUESTS_METRIC, {
    label: 'outcome',
    help: 'RPC requests by outcome: ok, failed (its last attempt failed, or it was aborted), retried (an attempt failed and another follows)'
  })
  const height = components.metrics?.registerMetric(HEIGHT_METRIC, { help: 'The last height a height provider observed' })
  return {
    log,
    request: outcome => { requests?.increment({ [outcome]: true }) },
    height: h => { height?.update(Number(h)) }
  }
}
