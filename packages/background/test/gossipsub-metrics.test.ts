/** The adapter from libp2p `Metrics` to gossipsub's `MetricsRegister`, read back from a `MemoryMetrics`. */
import { describe, expect, it } from '@jest/globals'
import { MemoryMetrics } from '@pokt-p2p/types'
import { gossipsubMetricsRegister } from '../src/index.js'

// gossipsub's register is typed per label set; these tests drive it the way gossipsub's getMetrics does
type Loose = Record<'gauge' | 'histogram' | 'avgMinMax', (config: object) => any>

function setup (): { metrics: MemoryMetrics, register: Loose } {
  const metrics = new MemoryMetrics()
  return { metrics, register: gossipsubMetricsRegister(metrics) as unknown as Loose }
}

describe('gossipsubMetricsRegister', () => {
  it('maps gauges without labels, with one label, and with two (joined into one)', async () => {
    const { metrics, register } = setup()
    const plain = register.gauge({ name: 'gossipsub_rpc_sent_message_total', help: 'RPC sent' })
    plain.inc()
    plain.inc(2)
    expect(metrics.value('gossipsub_rpc_sent_message_total')).toBe(3)
    const byTopic = register.gauge({ name: 'gossipsub_msg_publish_count_total', help: 'x', labelNames: ['topic'] })
    byTopic.inc({ topic: 'pokt/background' })
    byTopic.inc({ topic: 'pokt/background' }, 4)
    byTopic.set({ topic: 'other' }, 7)
    expect(metrics.value('gossipsub_msg_publish_count_total', 'pokt/background')).toBe(5)
    expect(metrics.value('gossipsub_msg_publish_count_total', 'other')).toBe(7)
    const two = register.gauge({ name: 'two_labels', help: 'x', labelNames: ['topic', 'p'] })
    two.set({ topic: 't', p: 'p1' }, 1)
    two.set({ p: 'p5' }, 2)
    expect(await metrics.snapshot()).toMatchObject({ two_labels: { 't,p1': 1, ',p5': 2 } })
  })

  it('registers a metric on first use only', async () => {
    const { metrics, register } = setup()
    register.gauge({ name: 'never_used', help: 'x' })
    register.histogram({ name: 'never_observed', help: 'x' })
    expect(Object.keys(await metrics.snapshot())).toEqual([])
  })

  it('maps histograms, with and without labels, and their timers', () => {
    const { metrics, register } = setup()
    const h = register.histogram({ name: 'gossipsub_heartbeat_duration_seconds', help: 'x', buckets: [0.01, 0.1] })
    h.observe(0.5)
    h.startTimer()()
    expect(metrics.count('gossipsub_heartbeat_duration_seconds')).toBe(2)
    const g = register.histogram({ name: 'gossipsub_msg_publish_seconds', help: 'x', labelNames: ['topic'] })
    g.observe({ topic: 't' }, 0.25)
    expect(metrics.value('gossipsub_msg_publish_seconds', 't')).toBe(0.25)
    expect(metrics.count('gossipsub_msg_publish_seconds', 't')).toBe(1)
  })

  it('turns avg/min/max into four gauges', async () => {
    const { metrics, register } = setup()
    register.avgMinMax({ name: 'gossipsub_score', help: 'x' }).set([1, 2, 6])
    register.avgMinMax({ name: 'gossipsub_score_per_mesh', help: 'x', labelNames: ['topic'] }).set({ topic: 't' }, [])
    expect(await metrics.snapshot()).toMatchObject({
      gossipsub_score_avg: 3, gossipsub_score_min: 1, gossipsub_score_max: 6, gossipsub_score_count: 3,
      gossipsub_score_per_mesh_count: { t: 0 }
    })
  })

  it('runs gossipsub\'s scrape hook when its gauge is read, refreshing the gauges it sets', () => {
    const { metrics, register } = setup()
    const mcache = register.gauge({ name: 'gossipsub_mcache_size', help: 'x' })
    const mesh = register.gauge({ name: 'gossipsub_mesh_peer_count', help: 'x', labelNames: ['topicStr'] })
    let size = 0
    mcache.addCollect(() => { size++; mcache.set(size * 10); mesh.set({ topicStr: 't' }, size) })
    expect(metrics.value('gossipsub_mcache_size')).toBe(10)
    expect(metrics.value('gossipsub_mesh_peer_count', 't')).toBe(1)
    expect(metrics.value('gossipsub_mcache_size')).toBe(20)
    expect(metrics.value('gossipsub_mesh_peer_count', 't')).toBe(2)
  })
})
