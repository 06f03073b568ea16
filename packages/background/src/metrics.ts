import type { Counter, CounterGroup, Metric, Metrics } from '@libp2p/interface'
import type { DropReason } from '@pokt-p2p/types'
import type { DiscoverySource } from './peers/peer-info.js'

/**
 * What happened to a message, as counted by `pokt_background_messages_total{outcome}`:
 * - `published`: a broadcast handed to gossipsub;
 * - `publish_rejected`: a broadcast refused before publishing (invalid or too large);
 * - `delivered`: a gossip message handed to `message` listeners (own broadcasts included with `emitSelf`);
 * - `sent`, `send_failed`: unicast sends made, and failed;
 * - `unicast_received`: valid unicast messages received.
 */
export type MessageOutcome = 'published' | 'publish_rejected' | 'delivered' | 'sent' | 'send_failed' | 'unicast_received'

/**
 * The background router's own metrics (gossipsub's come through {@link gossipsubMetricsRegister}), registered on the
 * injected `Metrics`; without one every field is undefined and nothing is counted.
 */
export interface BackgroundMetrics {
  /** `pokt_background_messages_total{outcome}` */
  messages?: CounterGroup<MessageOutcome>
  /** `pokt_background_dropped_total{reason}`: inbound messages refused (gossip at the first hop, and unicast) */
  dropped?: CounterGroup<DropReason>
  /** `pokt_background_peers_discovered_total{source}`: peers added to the peerstore by discovery */
  discovered?: CounterGroup<DiscoverySource>
  /** `pokt_background_bootstrap_dial_failures_total`: failed bootstrap dial attempts (each retry counts) */
  bootstrapDialFailures?: Counter
  /** `pokt_background_dht_lookups_total`: DHT lookups run (after bootstrap and by connection maintenance) */
  dhtLookups?: Counter
  /** `pokt_background_peerstore_size`: peers in the background peerstore */
  peerstoreSize?: Metric
  /** `pokt_background_peers_evicted_total`: discovered peers evicted at `maxDiscoveredPeers` */
  evicted?: Counter
  /** `pokt_background_rate_limited_total`: gossip messages ignored, over their unstaked originator's publish rate */
  rateLimited?: Counter
}

/** Registers the background router's metrics on `metrics` (re-registering a name continues the same series). */
export function backgroundMetrics (metrics: Metrics | undefined): BackgroundMetrics {
  if (metrics === undefined) return {}
  return {
    messages: metrics.registerCounterGroup('pokt_background_messages_total', {
      label: 'outcome', help: 'background messages by outcome'
    }),
    dropped: metrics.registerCounterGroup('pokt_background_dropped_total', {
      label: 'reason', help: 'inbound background messages dropped, by reason'
    }),
    discovered: metrics.registerCounterGroup('pokt_background_peers_discovered_total', {
      label: 'source', help: 'peers added to the background peerstore by discovery, by source'
    }),
    bootstrapDialFailures: metrics.registerCounter('pokt_background_bootstrap_dial_failures_total', {
      help: 'failed bootstrap dial attempts'
    }),
    dhtLookups: metrics.registerCounter('pokt_background_dht_lookups_total', { help: 'DHT lookups run' }),
    peerstoreSize: metrics.registerMetric('pokt_background_peerstore_size', { help: 'peers in the background peerstore' }),
    evicted: metrics.registerCounter('pokt_background_peers_evicted_total', {
      help: 'discovered peers evicted from the background peerstore at maxDiscoveredPeers'
    }),
    rateLimited: metrics.registerCounter('pokt_background_rate_limited_total', {
      help: 'gossip messages ignored: over their unstaked originator\'s publish rate'
    })
  }
}
