import type { BackgroundInit } from '@pokt-p2p/background'
import type { RainTreeInit } from '@pokt-p2p/raintree'
import type { ComponentLogger, CurrentHeightProvider, Metrics, PeerstoreProvider } from '@pokt-p2p/types'
import type { LinkOptions } from '@pokt-p2p/transport'
import type { P2PConfig } from './config.js'
import type { RouterFactory } from './router-factory.js'

/** Everything a `P2PModule` (and `createP2P`) needs: the configuration, the providers, optional routers. */
export interface P2PInit {
  /** reference `P2PConfig` fields (snake_case) plus ours; validated with `parseP2PConfig` */
  config: Partial<P2PConfig> & {
    /** 128 hex characters: ed25519 seed ‖ public key (the only required field) */
    private_key: string
  }
  /** tells the current height at start and announces new heights */
  currentHeightProvider: CurrentHeightProvider
  /** tells the staked set at a height */
  peerstoreProvider: PeerstoreProvider
  /**
   * The staked-actor router.
   * @default RainTree (`rainTree()` of `@pokt-p2p/raintree`) in `config.raintree_mode`
   */
  stakedRouter?: RouterFactory
  /**
   * The router for every participant. `null` runs without one: staked nodes then use RainTree only, and an
   * unstaked node can neither broadcast nor send.
   * @default the background router (`background()` of `@pokt-p2p/background`, declaring its gossipsub and kad-dht)
   */
  unstakedRouter?: RouterFactory | null
  /**
   * Advanced tuning of the default RainTree router.
   * @default {}
   */
  raintree?: Omit<RainTreeInit, 'mode'>
  /**
   * Advanced tuning of the default background router (over what the configuration implies).
   * @default {}
   */
  background?: BackgroundInit
  /**
   * Deliver this node's own broadcasts to its own `message` listeners. The reference did so inconsistently (always
   * through gossipsub, through RainTree only for some network sizes); here it is a choice, applied exactly once.
   * @default false
   */
  deliverOwnBroadcasts?: boolean
  /**
   * Where the module, the node, the transport and the routers log (`pokt:p2p`, `libp2p:*`, `pokt:transport`, …).
   * @default libp2p's `debug`-based logger (`DEBUG=pokt:*`)
   */
  logger?: ComponentLogger
  /**
   * libp2p's metrics factory (e.g. `prometheusMetrics()` of `@libp2p/prometheus-metrics`, or `() => memoryMetrics`),
   * given to the libp2p node; the node's registry (`node.metrics`) then records the module's, the transport's and
   * the routers' figures beside libp2p's own.
   * @default none: nothing is recorded
   */
  metrics?: (components: { logger: ComponentLogger }) => Metrics
  /**
   * Memory connections only (`connection_type: 'memory'`): make the node's connections behave like links of a
   * network — one-way latency, pipelined, and per-node bandwidth (`createNode`'s `link` of `@pokt-p2p/transport`).
   * Every node of the network needs one.
   * @default none: in-process connections, no latency, unlimited bandwidth
   */
  link?: LinkOptions
  /**
   * libp2p's connection monitor (`createNode`'s `connectionMonitor` of `@pokt-p2p/transport`): pings each connection
   * every 10 s and closes it when a ping times out. Off for many nodes in one process, where it only costs CPU.
   * @default true
   */
  connectionMonitor?: boolean
}
