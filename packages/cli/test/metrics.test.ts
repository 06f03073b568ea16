import { afterEach, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { parsePrometheusText, sumOf, type Exposition } from '../src/commands/testbed/prometheus.js'
import { genesisNetwork, holdPort, killAll, runBin, startBin, freePortRange, type Proc } from './helpers.js'

afterEach(killAll)

/** A node's scraped metrics: the sum of `name`'s samples (those with `labels`, when given). */
class Scrape {
  constructor (readonly exposition: Exposition, readonly contentType: string) {}

  has (name: string): boolean {
    return this.exposition.samples.some(s => s.name === name)
  }

  value (name: string, labels: Record<string, string> = {}): number {
    return sumOf(this.exposition, name, labels)
  }
}

async function scrape (url: string): Promise<Scrape> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  // the test bed's parser, which counts what it cannot read: a node's exposition has no such line
  const exposition = parsePrometheusText(await res.text())
  expect(exposition.malformed).toBe(0)
  return new Scrape(exposition, res.headers.get('content-type') ?? '')
}

describe('node --metrics-port: Prometheus metrics over HTTP', () => {
  it('three nodes, one broadcast: each node\'s /metrics shows exactly the traffic it made, beside libp2p\'s own', async () => {
    const { dir } = await genesisNetwork(3, 'metrics')
    const node = (i: number, ...extra: string[]): Proc => startBin(['node', '--config', join(dir, `node-${i}.json`), '--metrics-port', '0', ...extra])
    const [n2, n3] = [node(2), node(3)]
    const [s2, s3] = await Promise.all([n2, n3].map(async p => await p.event('out', 'started'))) as [Record<string, unknown>, Record<string, unknown>]
    const n1 = node(1, '--broadcast', 'hello', '--broadcast-wait-peers', '2')
    const s1 = await n1.event('out', 'started')
    for (const s of [s1, s2, s3]) expect(s.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    await n1.event('out', 'broadcast')
    // each receiver delivers the first copy and drops the other router's copy as a duplicate: both have arrived
    for (const p of [n2, n3]) {
      await p.event('out', 'received')
      await p.event('out', 'duplicate')
    }

    const [m1, m2, m3] = await Promise.all([s1, s2, s3].map(async s => await scrape(s.metrics as string))) as [Scrape, Scrape, Scrape]
    expect(m1.contentType).toMatch(/^text\/plain; version=0\.0\.4/)

    // the originator: one broadcast, one RainTree message to each of the 2 other staked nodes (complete mode)
    expect(m1.value('pokt_p2p_broadcasts_total')).toBe(1)
    // (ACKs are on by default: a resend after a late ACK is counted apart, writes − resends are the first copies)
    expect(m1.value('pokt_raintree_writes_total') - m1.value('pokt_raintree_resends_total')).toBe(2)
    expect(m1.value('pokt_raintree_send_failures_total')).toBe(0)
    expect(m1.value('pokt_raintree_reads_total')).toBe(0)
    expect(m1.value('pokt_p2p_delivered_total')).toBe(0)
    expect(m1.value('pokt_transport_messages_total', { direction: 'sent' })).toBeGreaterThanOrEqual(2)
    expect(m1.value('pokt_transport_bytes_total', { direction: 'sent' })).toBeGreaterThan(0)
    // one gossip publish; gossipsub's own metrics, in the same registry, count the copies it sent: the originator
    // sends to its mesh (one or both others), a receiver may forward, and each receiver got one copy in all
    expect(m1.value('pokt_background_messages_total', { outcome: 'published' })).toBe(1)
    expect(m1.value('gossipsub_rpc_sent_message_total')).toBeGreaterThanOrEqual(1)
    expect(m1.value('gossipsub_rpc_sent_message_total') + m2.value('gossipsub_rpc_sent_message_total') +
      m3.value('gossipsub_rpc_sent_message_total')).toBeGreaterThanOrEqual(2)

    for (const m of [m2, m3]) {
      // delivered once (by whichever router came first), the other copy counted as a duplicate
      expect(m.value('pokt_p2p_delivered_total')).toBe(1)
      expect(m.value('pokt_p2p_duplicates_total')).toBe(1)
      expect(m.value('pokt_p2p_broadcasts_total')).toBe(0)
      // one RainTree copy read (a resent copy is a duplicate); in a 3-node network nobody forwards
      expect(m.value('pokt_raintree_reads_total') - m.value('pokt_raintree_duplicates_total')).toBe(1)
      expect(m.value('pokt_raintree_writes_total')).toBe(0)
      // and the gossip copy
      expect(m.value('pokt_background_messages_total', { outcome: 'delivered' })).toBe(1)
      expect(m.value('pokt_transport_messages_total', { direction: 'received' })).toBeGreaterThanOrEqual(1)
      expect(m.value('pokt_transport_bytes_total', { direction: 'received' })).toBeGreaterThan(0)
    }
    for (const m of [m1, m2, m3]) {
      expect(m.value('pokt_raintree_view_size')).toBe(3)
      expect(m.value('pokt_p2p_staked_peers')).toBe(3)
      // libp2p's own metrics and the process's are served beside ours
      expect(m.value('libp2p_connection_manager_connections')).toBeGreaterThanOrEqual(2)
      expect(m.has('nodejs_heap_size_used_bytes')).toBe(true)
    }

    // anything but /metrics is a 404
    expect((await fetch((s1.metrics as string).replace(/\/metrics$/, '/other'))).status).toBe(404)

    for (const p of [n1, n2, n3]) p.child.kill('SIGTERM')
    expect(await Promise.all([n1, n2, n3].map(async p => await p.exit))).toEqual(Array(3).fill({ code: 143, signal: null }))
    // the metrics servers closed with the nodes
    await expect(fetch(s1.metrics as string)).rejects.toThrow()
  }, 300_000)

  it('a metrics port already in use: one line naming it, exit 1', async () => {
    const { dir } = await genesisNetwork(1, 'metrics-busy')
    const port = await freePortRange(1)
    const release = await holdPort(port)
    try {
      const r = await runBin(['node', '--config', join(dir, 'node-1.json'), '--metrics-port', String(port)])
      expect(r.code).toBe(1)
      expect(r.err.trim().split('\n').filter(l => !l.startsWith('{'))).toEqual([
        `pokt-p2p node: --metrics-port: port ${port} on 127.0.0.1 is already in use by another process`
      ])
    } finally {
      await release()
    }
  }, 120_000)
})
