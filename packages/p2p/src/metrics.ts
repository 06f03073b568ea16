import type { Metrics } from '@pokt-p2p/types'

/** Names of the module's own metrics (libp2p's, the transport's and the routers' appear beside them). */
export const P2P_METRICS = {
  /** counter: `broadcast()` calls */
  broadcasts: 'pokt_p2p_broadcasts_total',
  /** counter: `send()` calls */
  sends: 'pokt_p2p_sends_total',
  /** counter by `router`: messages delivered to the application (`message` events) */
  delivered: 'pokt_p2p_delivered_total',
  /** counter by `router`: copies of already delivered nonces dropped */
  duplicates: 'pokt_p2p_duplicates_total',
  /** counter by `router`: inbound messages the router dropped (`invalid` events) */
  invalid: 'pokt_p2p_invalid_total',
  /** gauge: the last height the module looked at */
  height: 'pokt_p2p_height',
  /** gauge: size of the staked set at that height */
  stakedPeers: 'pokt_p2p_staked_peers'
} as const

function register (metrics: Metrics) {
  return {
    broadcasts: metrics.registerCounter(P2P_METRICS.broadcasts, { help: 'broadcast() calls' }),
    sends: metrics.registerCounter(P2P_METRICS.sends, { help: 'send() calls' }),
    delivered: metrics.registerCounterGroup(P2P_METRICS.delivered, { label: 'router', help: 'messages delivered to the application, by the router of the first copy' }),
    duplicates: metrics.registerCounterGroup(P2P_METRICS.duplicates, { label: 'router', help: 'copies of already delivered nonces, by router' }),
    invalid: metrics.registerCounterGroup(P2P_METRICS.invalid, { label: 'router', help: 'inbound messages dropped by a router' }),
    height: metrics.registerMetric(P2P_METRICS.height, { help: 'the last height the module looked at' }),
    stakedPeers: metrics.registerMetric(P2P_METRICS.stakedPeers, { help: 'size of the staked set at that height' })
  }
}

/**
 * The module's figures. The `Metrics` component comes from the libp2p node (`node.metrics`), which exists only once
 * `start()` created it, so the figures are bound at each start; until then they are not recorded, except the two
 * gauges, whose last values are applied when bound.
 */
export class P2PMetrics {
  #registered: ReturnType<typeof register> | undefined
  #height: bigint | undefined
  #stakedPeers: number | undefined

  /** Registers the metrics with `metrics` (the node's); registering again continues the same series. */
  bind (metrics: Metrics | undefined): void {
    this.#registered = metrics === undefined ? undefined : register(metrics)
    if (this.#height !== undefined) this.#registered?.height.update(Number(this.#height))
    if (this.#stakedPeers !== undefined) this.#registered?.stakedPeers.update(this.#stakedPeers)
  }

  /** Counts a `broadcast()` call. */
  broadcast (): void {
    this.#registered?.broadcasts.increment()
  }

  /** Counts a `send()` call. */
  send (): void {
    this.#registered?.sends.increment()
  }

  /** Counts a message delivered to the application by `router`. */
  delivered (router: string): void {
    this.#registered?.delivered.increment({ [router]: true })
  }

  /** Counts a duplicate copy from `router`. */
  duplicate (router: string): void {
    this.#registered?.duplicates.increment({ [router]: true })
  }

  /** Counts an inbound message `router` dropped. */
  invalid (router: string): void {
    this.#registered?.invalid.increment({ [router]: true })
  }

  /** Records the height the module looked at and the size of the staked set there. */
  stakedSet (height: bigint, stakedPeers: number): void {
    this.#height = height
    this.#stakedPeers = stakedPeers
    this.#registered?.height.update(Number(height))
    this.#registered?.stakedPeers.update(stakedPeers)
  }
}
