import type {
  CalculatedMetricOptions, Counter, CounterGroup, Histogram, HistogramGroup, Metric, MetricGroup, Metrics, StopTimer,
  Summary, SummaryGroup
} from '@libp2p/interface'

/** One metric's values in a {@link MemoryMetrics}: by label value (`''` for a metric without a label). */
interface Series {
  /** counter/gauge values, or the sum of observations for histograms and summaries */
  values: Map<string, number>
  /** observations per label (histograms and summaries) */
  counts: Map<string, number>
  /** a value computed when read (libp2p's `calculate` option) */
  calculate?: () => number | Record<string, number> | Promise<number | Record<string, number>>
}

/**
 * A libp2p `Metrics` component that keeps every value in memory and reads it synchronously. One instance per node,
 * unlike `@libp2p/prometheus-metrics`, whose metrics are process-wide: many nodes in one process (`localnet`,
 * tests, the simulator) each get their own. Use the Prometheus one where metrics are scraped.
 *
 * @example
 * ```ts
 * const metrics = new MemoryMetrics()
 * metrics.registerCounterGroup('pokt_raintree_dropped_total', { label: 'reason' }).increment({ decode: true })
 * metrics.value('pokt_raintree_dropped_total', 'decode') // 1
 * ```
 */
export class MemoryMetrics implements Metrics {
  readonly #series = new Map<string, Series>()

  /**
   * The value of `name` (for `label`, when the metric has one; the sum over labels when `label` is omitted); for a
   * histogram or summary, the sum of its observations. 0 for a metric never registered or touched. A metric whose
   * `calculate` is asynchronous reads as 0 here: use {@link MemoryMetrics.snapshot}.
   */
  value (name: string, label?: string): number {
    const s = this.#series.get(name)
    if (s === undefined) return 0
    if (s.calculate !== undefined) {
      const v = s.calculate()
      if (v instanceof Promise) return 0
      return pick(v, label)
    }
    return label === undefined ? sum(s.values) : s.values.get(label) ?? 0
  }

  /** How many observations a histogram or summary has (for `label`, or over all labels). */
  count (name: string, label?: string): number {
    const s = this.#series.get(name)
    if (s === undefined) return 0
    return label === undefined ? sum(s.counts) : s.counts.get(label) ?? 0
  }

  /** Every metric's current value(s): a number, or an object by label value. Calculated metrics are computed. */
  async snapshot (): Promise<Record<string, number | Record<string, number>>> {
    const out: Record<string, number | Record<string, number>> = {}
    for (const [name, s] of this.#series) {
      if (s.calculate !== undefined) {
        out[name] = await s.calculate()
      } else if (s.values.size === 1 && s.values.has('')) {
        out[name] = s.values.get('') as number
      } else {
        out[name] = Object.fromEntries(s.values)
      }
    }
    return out
  }

  #register (name: string, options?: Partial<CalculatedMetricOptions<any>>): Series | undefined {
    const existing = this.#series.get(name)
    // libp2p re-registers by name (e.g. a router restarted on the same node): the same series continues
    if (existing !== undefined) return options?.calculate === undefined ? existing : undefined
    const s: Series = { values: new Map(), counts: new Map() }
    if (options?.calculate !== undefined) s.calculate = options.calculate
    this.#series.set(name, s)
    return options?.calculate === undefined ? s : undefined
  }

  registerMetric = ((name: string, options?: Partial<CalculatedMetricOptions>): Metric | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : single(s)
  }) as Metrics['registerMetric']

  registerCounter = ((name: string, options?: Partial<CalculatedMetricOptions>): Counter | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : single(s)
  }) as Metrics['registerCounter']

  registerMetricGroup = ((name: string, options?: Partial<CalculatedMetricOptions<Record<string, number>>>): MetricGroup | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : group(s)
  }) as Metrics['registerMetricGroup']

  registerCounterGroup = ((name: string, options?: Partial<CalculatedMetricOptions<Record<string, number>>>): CounterGroup | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : group(s)
  }) as Metrics['registerCounterGroup']

  registerHistogram = ((name: string, options?: Partial<CalculatedMetricOptions>): Histogram | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : observer(s)
  }) as Metrics['registerHistogram']

  registerSummary = ((name: string, options?: Partial<CalculatedMetricOptions>): Summary | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : observer(s)
  }) as Metrics['registerSummary']

  registerHistogramGroup = ((name: string, options?: Partial<CalculatedMetricOptions<Record<string, number>>>): HistogramGroup | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : observerGroup(s)
  }) as Metrics['registerHistogramGroup']

  registerSummaryGroup = ((name: string, options?: Partial<CalculatedMetricOptions<Record<string, number>>>): SummaryGroup | undefined => {
    const s = this.#register(name, options)
    return s === undefined ? undefined : observerGroup(s)
  }) as Metrics['registerSummaryGroup']

  /** Connection byte counts are not kept (libp2p calls this for every connection). */
  trackMultiaddrConnection (): void {}

  /** Stream byte counts are not kept (libp2p calls this for every stream). */
  trackProtocolStream (): void {}

  /**
   * No tracing: returns `fn` itself.
   * @typeParam F - the function's type, kept as it is
   */
  traceFunction<F extends (...args: any[]) => any> (_name: string, fn: F): F {
    return fn
  }

  /** No tracing. */
  createTrace (): undefined {
    return undefined
  }
}

function sum (values: Map<string, number>): number {
  let total = 0
  for (const v of values.values()) total += v
  return total
}

function pick (v: number | Record<string, number>, label: string | undefined): number {
  if (typeof v === 'number') return v
  if (label !== undefined) return v[label] ?? 0
  return Object.values(v).reduce((a, b) => a + b, 0)
}

function add (s: Series, label: string, by: number): void {
  s.values.set(label, (s.values.get(label) ?? 0) + by)
}

function timer (record: (seconds: number) => void): StopTimer {
  const t0 = performance.now()
  return () => { record((performance.now() - t0) / 1000) }
}

function single (s: Series): Metric & Counter {
  return {
    update: v => { s.values.set('', v) },
    increment: (v = 1) => { add(s, '', v) },
    decrement: (v = 1) => { add(s, '', -v) },
    reset: () => { s.values.clear() },
    timer: () => timer(v => { s.values.set('', v) })
  }
}

function group (s: Series): MetricGroup & CounterGroup {
  const each = (values: Partial<Record<string, number | true>>, sign: number): void => {
    for (const [k, v] of Object.entries(values)) add(s, k, sign * (v === true ? 1 : v ?? 0))
  }
  return {
    update: values => { for (const [k, v] of Object.entries(values)) if (v !== undefined) s.values.set(k, v) },
    increment: values => { each(values, 1) },
    decrement: values => { each(values, -1) },
    reset: () => { s.values.clear() },
    timer: key => timer(v => { s.values.set(key, v) })
  }
}

function observe (s: Series, label: string, v: number): void {
  add(s, label, v)
  s.counts.set(label, (s.counts.get(label) ?? 0) + 1)
}

function observer (s: Series): Histogram & Summary {
  return {
    observe: v => { observe(s, '', v) },
    reset: () => { s.values.clear(); s.counts.clear() },
    timer: () => timer(v => { observe(s, '', v) })
  }
}

function observerGroup (s: Series): HistogramGroup & SummaryGroup {
  return {
    observe: values => { for (const [k, v] of Object.entries(values)) if (v !== undefined) observe(s, k, v) },
    reset: () => { s.values.clear(); s.counts.clear() },
    timer: key => timer(v => { observe(s, key, v) })
  }
}
