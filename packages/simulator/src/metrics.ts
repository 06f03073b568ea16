import { MemoryMetrics, type Metrics } from '@pokt-p2p/types'
import { RAINTREE_METRICS } from '@pokt-p2p/raintree'

/** The part of a libp2p counter the routers use. */
interface SharedCounter {
  increment: (value?: number) => void
  reset: () => void
}

/**
 * One metrics component for all the routers of a simulation: every registration of a name returns the same
 * instrument (a router holds a reference, not an instrument of its own), so the totals are network-wide and cost no
 * per-node memory. `pokt_raintree_delivered_total` — incremented by a router in the same synchronous step in which
 * it hands a payload to its `message` listeners — also calls `onDelivered`: what the application of a node sees,
 * observed without a listener (and an event target) per node.
 */
export class SharedRouterMetrics extends MemoryMetrics {
  /** @param onDelivered - called once per payload a router delivers (per copy), inside that router's handler */
  constructor (onDelivered: () => void) {
    super()
    const instruments = new Map<string, unknown>()
    const shared = <T>(name: string, make: () => T): T => {
      if (instruments.has(name)) return instruments.get(name) as T
      const made = make()
      instruments.set(name, made)
      return made
    }
    const counter = this.registerCounter
    const counterGroup = this.registerCounterGroup
    const metric = this.registerMetric
    const total = counter(RAINTREE_METRICS.delivered) as SharedCounter
    const delivered: SharedCounter = {
      increment: (value = 1) => {
        total.increment(value)
        onDelivered()
      },
      reset: () => { total.reset() }
    }
    this.registerCounter = ((name: string, options?: object) => name === RAINTREE_METRICS.delivered
      ? delivered
      : shared(name, () => counter(name, options as never))) as Metrics['registerCounter']
    this.registerCounterGroup = ((name: string, options?: object) =>
      shared(name, () => counterGroup(name, options as never))) as Metrics['registerCounterGroup']
    this.registerMetric = ((name: string, options?: object) =>
      shared(name, () => metric(name, options as never))) as Metrics['registerMetric']
  }
}
