import { describe, expect, it } from '@jest/globals'
import { MemoryMetrics, type Metrics } from '../src/index.js'

describe('MemoryMetrics', () => {
  it('counters: increment by 1 or by n, reset; an unknown or untouched metric reads 0', () => {
    const m = new MemoryMetrics()
    expect(m.value('nothing_total')).toBe(0)
    const c = m.registerCounter('pokt_test_total')
    expect(m.value('pokt_test_total')).toBe(0)
    c.increment()
    c.increment(4)
    expect(m.value('pokt_test_total')).toBe(5)
    c.reset()
    expect(m.value('pokt_test_total')).toBe(0)
  })

  it('counter groups: by label, true counting 1; value without a label is the sum', () => {
    const m = new MemoryMetrics()
    const g = m.registerCounterGroup('pokt_test_dropped_total', { label: 'reason' })
    g.increment({ decode: true })
    g.increment({ decode: 2, tooLarge: true })
    expect(m.value('pokt_test_dropped_total', 'decode')).toBe(3)
    expect(m.value('pokt_test_dropped_total', 'tooLarge')).toBe(1)
    expect(m.value('pokt_test_dropped_total', 'nonce')).toBe(0)
    expect(m.value('pokt_test_dropped_total')).toBe(4)
    g.reset()
    expect(m.value('pokt_test_dropped_total')).toBe(0)
  })

  it('gauges: update, increment, decrement, reset; metric groups update and decrement by label', () => {
    const m = new MemoryMetrics()
    const gauge = m.registerMetric('pokt_test_view_size')
    gauge.update(7)
    gauge.increment()
    gauge.decrement(3)
    expect(m.value('pokt_test_view_size')).toBe(5)
    gauge.reset()
    expect(m.value('pokt_test_view_size')).toBe(0)

    const group = m.registerMetricGroup('pokt_test_peers', { label: 'source' })
    group.update({ dht: 4, bootstrap: 2 })
    group.increment({ dht: true })
    group.decrement({ bootstrap: 1 })
    expect(m.value('pokt_test_peers', 'dht')).toBe(5)
    expect(m.value('pokt_test_peers', 'bootstrap')).toBe(1)
  })

  it('histograms and summaries: value is the sum of observations, count how many; groups by label', () => {
    const m = new MemoryMetrics()
    const h = m.registerHistogram('pokt_test_delivery_seconds')
    h.observe(0.5)
    h.observe(1.5)
    expect(m.value('pokt_test_delivery_seconds')).toBe(2)
    expect(m.count('pokt_test_delivery_seconds')).toBe(2)
    const s = m.registerSummary('pokt_test_size_bytes')
    s.observe(10)
    expect([m.value('pokt_test_size_bytes'), m.count('pokt_test_size_bytes')]).toEqual([10, 1])

    const hg = m.registerHistogramGroup('pokt_test_rpc_seconds', { label: 'method' })
    hg.observe({ height: 0.25, peers: 1 })
    hg.observe({ height: 0.75 })
    expect(m.value('pokt_test_rpc_seconds', 'height')).toBe(1)
    expect(m.count('pokt_test_rpc_seconds', 'height')).toBe(2)
    expect(m.count('pokt_test_rpc_seconds')).toBe(3)
    expect(m.count('nothing_seconds')).toBe(0)
    const sg = m.registerSummaryGroup('pokt_test_summary', { label: 'k' })
    sg.observe({ a: 3 })
    expect(m.count('pokt_test_summary', 'a')).toBe(1)
    hg.reset()
    expect([m.value('pokt_test_rpc_seconds'), m.count('pokt_test_rpc_seconds')]).toEqual([0, 0])
  })

  it('timers record elapsed seconds: a gauge keeps the last, a histogram observes each', async () => {
    const m = new MemoryMetrics()
    const stopGauge = m.registerMetric('pokt_test_gauge_seconds').timer()
    const stopObs = m.registerHistogram('pokt_test_hist_seconds').timer()
    await new Promise(resolve => setTimeout(resolve, 20))
    stopGauge()
    stopObs()
    expect(m.value('pokt_test_gauge_seconds')).toBeGreaterThan(0.01)
    expect(m.value('pokt_test_gauge_seconds')).toBeLessThan(60)
    expect(m.count('pokt_test_hist_seconds')).toBe(1)
    m.registerHistogramGroup('pokt_test_hist_group', { label: 'k' }).timer('x')()
    expect(m.count('pokt_test_hist_group', 'x')).toBe(1)
  })

  it('calculate: computed when read (a number or values by label); registering returns nothing', async () => {
    const m = new MemoryMetrics()
    let size = 3
    expect(m.registerMetric('pokt_test_calculated', { calculate: () => size })).toBeUndefined()
    expect(m.value('pokt_test_calculated')).toBe(3)
    size = 4
    expect(m.value('pokt_test_calculated')).toBe(4)
    m.registerMetricGroup('pokt_test_calculated_group', { label: 'k', calculate: () => ({ a: 1, b: 2 }) })
    expect(m.value('pokt_test_calculated_group', 'b')).toBe(2)
    expect(m.value('pokt_test_calculated_group', 'c')).toBe(0)
    expect(m.value('pokt_test_calculated_group')).toBe(3)
    // an asynchronous calculation reads 0 synchronously; snapshot awaits it
    m.registerMetric('pokt_test_async', { calculate: async () => 9 })
    expect(m.value('pokt_test_async')).toBe(0)
    expect((await m.snapshot()).pokt_test_async).toBe(9)
  })

  it('re-registering a name returns the same series (a service restarted on the same node keeps counting)', () => {
    const m = new MemoryMetrics()
    m.registerCounter('pokt_test_total').increment(2)
    m.registerCounter('pokt_test_total').increment(3)
    expect(m.value('pokt_test_total')).toBe(5)
    m.registerCounterGroup('pokt_test_group_total', { label: 'k' }).increment({ a: true })
    m.registerCounterGroup('pokt_test_group_total', { label: 'k' }).increment({ a: true })
    expect(m.value('pokt_test_group_total', 'a')).toBe(2)
    // a calculated metric keeps its first calculation
    m.registerMetric('pokt_test_calc', { calculate: () => 1 })
    m.registerMetric('pokt_test_calc', { calculate: () => 2 })
    expect(m.value('pokt_test_calc')).toBe(1)
  })

  it('instances are independent (unlike the process-wide Prometheus registry)', () => {
    const a = new MemoryMetrics()
    const b = new MemoryMetrics()
    a.registerCounter('pokt_test_total').increment()
    expect(a.value('pokt_test_total')).toBe(1)
    expect(b.value('pokt_test_total')).toBe(0)
  })

  it('snapshot: every metric, a number or an object by label', async () => {
    const m = new MemoryMetrics()
    m.registerCounter('a_total').increment(2)
    m.registerCounterGroup('b_total', { label: 'k' }).increment({ x: true, y: 3 })
    m.registerMetricGroup('c', { label: 'k', calculate: () => ({ z: 5 }) })
    m.registerHistogram('d_seconds')
    expect(await m.snapshot()).toEqual({ a_total: 2, b_total: { x: 1, y: 3 }, c: { z: 5 }, d_seconds: {} })
  })

  it('is a libp2p Metrics: the tracking hooks are no-ops and tracing returns the function', () => {
    const m: Metrics = new MemoryMetrics()
    const fn = (x: number): number => x + 1
    expect(m.traceFunction('f', fn)).toBe(fn)
    expect(m.createTrace()).toBeUndefined()
    expect(() => { m.trackProtocolStream({} as never) }).not.toThrow()
    expect(() => { m.trackMultiaddrConnection({} as never) }).not.toThrow()
  })
})
