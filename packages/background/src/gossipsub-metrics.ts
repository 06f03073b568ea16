import type { MetricsRegister } from '@libp2p/gossipsub/metrics'
import type { Histogram, HistogramGroup, Metric, MetricGroup, Metrics } from '@libp2p/interface'

/** gossipsub's label values, by label name */
type Labels = Record<string, string | number>

/** What a gossipsub metric was declared with. */
interface Config {
  name: string
  help: string
  labelNames?: string[]
  buckets?: number[]
}

/**
 * libp2p metrics take at most one label; gossipsub declares up to two (`gossipsub_score_weights{topic, p}`). One
 * label carries them all: named by the label names joined with `_` (`topic_p`), valued by the label values joined
 * with `,` (`pokt/background,p1`; an absent label is empty).
 */
function labelName (names: string[]): string {
  return names.join('_')
}

function labelValue (names: string[], labels: Labels): string {
  return names.map(n => String(labels[n] ?? '')).join(',')
}

/** gossipsub calls `inc(value?)`/`set(value)` without labels and `inc(labels, value?)`/`set(labels, value)` with. */
function split (names: string[], a: unknown, b: unknown): [string, number | undefined] {
  return names.length === 0 ? ['', a as number | undefined] : [labelValue(names, a as Labels), b as number | undefined]
}

/**
 * A gossipsub gauge over a libp2p metric (`registerMetric`, or `registerMetricGroup` with labels). gossipsub uses
 * its gauges as counters too (`inc`), which libp2p metrics support as well.
 *
 * Registered on first use, not on creation: a gauge whose first use is `addCollect` (gossipsub's one scrape hook,
 * on `gossipsub_mcache_size`) becomes a libp2p *calculated* metric, the only way libp2p runs code when it is read.
 * Reading it runs the hook, which refreshes every gauge computed at scrape time (mesh and topic peer counts, cache
 * sizes, scores) before they are read. A gauge never used never appears.
 */
class GaugeAdapter {
  readonly #metrics: Metrics
  readonly #config: Config
  readonly #names: string[]
  readonly #collect: Array<() => void>
  #metric: Metric | MetricGroup | undefined
  /** the values of a calculated gauge, by label value ('' without labels) */
  #local: Map<string, number> | undefined

  constructor (metrics: Metrics, config: Config, collect: Array<() => void>) {
    this.#metrics = metrics
    this.#config = config
    this.#names = config.labelNames ?? []
    this.#collect = collect
  }

  #target (): Metric | MetricGroup {
    if (this.#metric === undefined) {
      const { name, help } = this.#config
      this.#metric = this.#names.length === 0
        ? this.#metrics.registerMetric(name, { help })
        : this.#metrics.registerMetricGroup(name, { help, label: labelName(this.#names) })
    }
    return this.#metric
  }

  #apply (label: string, value: number, how: 'inc' | 'set'): void {
    if (this.#local !== undefined) {
      this.#local.set(label, how === 'set' ? value : (this.#local.get(label) ?? 0) + value)
      return
    }
    const target = this.#target()
    if (this.#names.length === 0) {
      const m = target as Metric
      if (how === 'set') m.update(value)
      else m.increment(value)
    } else {
      const g = target as MetricGroup
      if (how === 'set') g.update({ [label]: value })
      else g.increment({ [label]: value })
    }
  }

  readonly inc = (a?: unknown, b?: unknown): void => {
    const [label, value] = split(this.#names, a, b)
    this.#apply(label, value ?? 1, 'inc')
  }

  readonly set = (a: unknown, b?: unknown): void => {
    const [label, value] = split(this.#names, a, b)
    this.#apply(label, value ?? 0, 'set')
  }

  readonly addCollect = (fn: (gauge: GaugeAdapter) => void): void => {
    this.#collect.push(() => { fn(this) })
    if (this.#metric !== undefined || this.#local !== undefined) return // already registered: the hook runs with the first one
    const local = this.#local = new Map<string, number>()
    const run = (): void => { for (const c of this.#collect) c() }
    const { name, help } = this.#config
    if (this.#names.length === 0) {
      this.#metrics.registerMetric(name, { help, calculate: () => { run(); return local.get('') ?? 0 } })
    } else {
      this.#metrics.registerMetricGroup(name, { help, label: labelName(this.#names), calculate: () => { run(); return Object.fromEntries(local) } })
    }
  }
}

/** A gossipsub histogram over a libp2p histogram (`registerHistogram`, or `registerHistogramGroup` with labels). */
class HistogramAdapter {
  readonly #metrics: Metrics
  readonly #config: Config
  readonly #names: string[]
  #metric: Histogram | HistogramGroup | undefined

  constructor (metrics: Metrics, config: Config) {
    this.#metrics = metrics
    this.#config = config
    this.#names = config.labelNames ?? []
  }

  #target (): Histogram | HistogramGroup {
    if (this.#metric === undefined) {
      const { name, help, buckets } = this.#config
      this.#metric = this.#names.length === 0
        ? this.#metrics.registerHistogram(name, { help, buckets })
        : this.#metrics.registerHistogramGroup(name, { help, buckets, label: labelName(this.#names) })
    }
    return this.#metric
  }

  readonly observe = (a: unknown, b?: unknown): void => {
    const [label, value] = split(this.#names, a, b)
    if (this.#names.length === 0) (this.#target() as Histogram).observe(value ?? 0)
    else (this.#target() as HistogramGroup).observe({ [label]: value ?? 0 })
  }

  readonly startTimer = (): (() => void) => {
    const t0 = performance.now()
    // gossipsub times only unlabelled histograms (the heartbeat)
    return () => { this.observe((performance.now() - t0) / 1000) }
  }

  readonly reset = (): void => { this.#metric?.reset() }
}

/**
 * A gossipsub "avg/min/max" (a set of values, e.g. every peer's score) as four gauges with the same labels:
 * `<name>_avg`, `<name>_min`, `<name>_max` and `<name>_count` (all 0 for an empty set).
 */
class AvgMinMaxAdapter {
  readonly #names: string[]
  readonly #gauges: Record<'avg' | 'min' | 'max' | 'count', GaugeAdapter>

  constructor (metrics: Metrics, config: Config, collect: Array<() => void>) {
    this.#names = config.labelNames ?? []
    const gauge = (stat: string): GaugeAdapter =>
      new GaugeAdapter(metrics, { ...config, name: `${config.name}_${stat}`, help: `${config.help} (${stat})` }, collect)
    this.#gauges = { avg: gauge('avg'), min: gauge('min'), max: gauge('max'), count: gauge('count') }
  }

  readonly set = (a: unknown, b?: unknown): void => {
    const labels = this.#names.length === 0 ? undefined : a as Labels
    const values = (this.#names.length === 0 ? a : b) as number[]
    const n = values.length
    const stats = {
      avg: n === 0 ? 0 : values.reduce((s, v) => s + v, 0) / n,
      min: n === 0 ? 0 : Math.min(...values),
      max: n === 0 ? 0 : Math.max(...values),
      count: n
    }
    for (const [stat, value] of Object.entries(stats) as Array<[keyof typeof stats, number]>) {
      if (labels === undefined) this.#gauges[stat].set(value)
      else this.#gauges[stat].set(labels, value)
    }
  }
}

/**
 * gossipsub's metrics (its own `MetricsRegister` interface, from lodestar) recorded in a libp2p `Metrics`: the
 * Prometheus one of a node, or a `MemoryMetrics`. {@link backgroundServices} installs it, so gossipsub's figures
 * appear beside the router's own `pokt_background_*` ones. How gossipsub's kinds map:
 *
 * - gauge (gossipsub counts with gauges too, e.g. `gossipsub_rpc_sent_message_total`) → `registerMetric`, or
 *   `registerMetricGroup` labelled by its one label; two labels become one (names joined with `_`, values with
 *   `,`), since libp2p groups have one label;
 * - histogram → `registerHistogram`, or `registerHistogramGroup` with labels (same label rule);
 * - avg/min/max → four gauges `<name>_avg`, `_min`, `_max`, `_count`.
 *
 * A metric appears once gossipsub first records it. The ones gossipsub computes when scraped (mesh and topic peer
 * counts, cache sizes, peer scores) are refreshed whenever `gossipsub_mcache_size` is read (see the gauge
 * adapter); a Prometheus scrape reads that one first, since it is the first registered.
 *
 * @example
 * ```ts
 * const metrics = new MemoryMetrics()
 * const node = await createNode({ identity, services: backgroundServices(init, { metrics }) }) // installs it
 * // … traffic …
 * metrics.value('gossipsub_rpc_sent_message_total') // full messages sent, every copy to every peer
 * metrics.value('gossipsub_rpc_sent_bytes_total')   // bytes of every RPC sent (messages, control, subscriptions)
 * ```
 */
export function gossipsubMetricsRegister (metrics: Metrics): MetricsRegister {
  // the scrape hooks of every calculated gauge (gossipsub has one); each calculated read runs all of them
  const collect: Array<() => void> = []
  const register = {
    gauge: (config: Config) => new GaugeAdapter(metrics, config, collect),
    histogram: (config: Config) => new HistogramAdapter(metrics, config),
    avgMinMax: (config: Config) => new AvgMinMaxAdapter(metrics, config, collect)
  }
  // gossipsub's generic, overloaded signatures are not expressible for one implementation
  return register as unknown as MetricsRegister
}
