import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createServer } from 'node:http'
import { LineSplitter } from '../src/line-splitter.js'
import { parseEventLine } from '../src/commands/testbed/lines.js'
import { BroadcastRecord, cleanupDelta, countersOf, pick, sortNames, summarize, walksPending, type Counters } from '../src/commands/testbed/measurement.js'
import { MAX_METRICS_BYTES, parsePrometheusText, scrapeMetrics, sumOf } from '../src/commands/testbed/prometheus.js'

describe('Prometheus text from a node (bytes from the network)', () => {
  it('parses what prom-client writes: HELP/TYPE, labels with escapes, counters summed by label', () => {
    const text = [
      '# HELP pokt_transport_bytes_total Payload bytes',
      '# TYPE pokt_transport_bytes_total counter',
      'pokt_transport_bytes_total{direction="sent"} 1234',
      'pokt_transport_bytes_total{direction="received"} 99',
      'gossipsub_rpc_sent_bytes_total 5e3',
      'weird{a="x\\"y\\\\z\\n",b="{}"} +Inf',
      'nodejs_heap 1.5 1700000000000',
      'not a sample line',
      'bad{a=1} 3'
    ].join('\n')
    const e = parsePrometheusText(text)
    expect(e.malformed).toBe(2)
    expect(sumOf(e, 'pokt_transport_bytes_total', { direction: 'sent' })).toBe(1234)
    expect(sumOf(e, 'pokt_transport_bytes_total')).toBe(1333)
    expect(sumOf(e, 'gossipsub_rpc_sent_bytes_total')).toBe(5000)
    expect(sumOf(e, 'absent')).toBe(0)
    expect(e.samples.find(s => s.name === 'weird')?.labels).toEqual({ a: 'x"y\\z\n', b: '{}' })
    expect(sumOf(e, 'weird')).toBe(0) // infinite values are not summed
    expect(sumOf(e, 'nodejs_heap')).toBe(1.5)
  })

  it('never throws on any text, and counts every non-comment line as a sample or malformed', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '_', '{', '}', '"', '\\', '=', ',', ' ', '\n', '#', '1', '.', 'e', '-', '+', 'I', 'n', 'f', 'N') }), text => {
      const e = parsePrometheusText(text)
      const lines = text.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
      expect(e.samples.length + e.malformed).toBe(lines.length)
    }), { numRuns: 2000 })
  })

  it('reads back every sample it is given (name, labels, value)', () => {
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/)
    const sample = fc.record({
      name,
      labels: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ maxLength: 12 }), { maxKeys: 4 }),
      // String(-0) is "0": a sign the text format does not carry
      value: fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
    })
    fc.assert(fc.property(fc.array(sample, { maxLength: 20 }), samples => {
      const esc = (v: string): string => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
      const text = samples.map(s => `${s.name}${Object.keys(s.labels).length === 0 ? '' : `{${Object.entries(s.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`} ${String(s.value)}`).join('\n')
      const e = parsePrometheusText(text)
      expect(e.malformed).toBe(0)
      expect(e.samples).toEqual(samples.map(s => ({ name: s.name, labels: { ...s.labels }, value: s.value === 0 ? 0 : s.value })))
    }), { numRuns: 1000 })
  })

  it('a scrape stops reading past its byte bound (a peer that sends without end)', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const write = (): void => { while (res.write(chunk)) { /* until the socket pushes back */ } }
      res.on('drain', write)
      write()
      res.on('close', () => { res.off('drain', write) })
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    try {
      const port = (server.address() as { port: number }).port
      await expect(scrapeMetrics(`http://127.0.0.1:${port}/metrics`, { timeoutMs: 60_000 })).rejects.toThrow(`more than ${MAX_METRICS_BYTES} bytes`)
    } finally {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  })
})

describe('JSON lines from a node process', () => {
  it('any chunking gives the same lines; an overlong line is counted, skipped, and never held whole', () => {
    const max = 6
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 14, unit: fc.constantFrom('a', 'b', '{', '"') }), { maxLength: 12 }), fc.array(fc.nat(40), { maxLength: 10 }), (lines, cuts) => {
      const text = lines.map(l => l + '\n').join('')
      const got: string[] = []
      let overlong = 0
      const s = new LineSplitter(l => { if ('line' in l) got.push(l.line); else overlong++ }, max)
      let at = 0
      for (const c of cuts) { s.push(text.slice(at, at + c)); at += c }
      s.push(text.slice(at))
      s.end()
      expect(got).toEqual(lines.filter(l => l.length <= max))
      expect(overlong).toBe(lines.filter(l => l.length > max).length)
    }), { numRuns: 2000 })
  })

  it('parseEventLine accepts JSON objects with a string event only, and never throws', () => {
    expect(parseEventLine('{"event":"received","id":"b1"}')).toEqual({ event: 'received', id: 'b1' })
    for (const bad of ['', 'hello', '{', '[1]', '{"event":3}', 'null', '{"x":1}']) expect(parseEventLine(bad)).toBeUndefined()
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), text => {
      const r = parseEventLine(text)
      if (r !== undefined) expect(typeof r.event).toBe('string')
    }), { numRuns: 2000 })
  })
})

describe('measurement', () => {
  const nodes = [
    { name: 'val_1', staked: true }, { name: 'val_2', staked: true }, { name: 'val_3', staked: true }, { name: 'full_1', staked: false }
  ]

  it('a broadcast through both routers: first copies per router, coverage of the awaited nodes, counters summed, missing named', () => {
    const r = new BroadcastRecord('b1', 'both', 100)
    r.startAt = 1000
    r.doneAt = 1005
    r.copy('val_2', 'received', 'raintree', 1010, 1010)
    r.copy('val_2', 'duplicate', 'background', 1030, 1030)
    r.copy('full_1', 'received', 'background', 1040, 1040)
    expect(r.awaiting(nodes, 'val_1', () => true).sort()).toEqual(['val_3'])
    // val_3 goes away: no longer awaited, and never reached
    expect(r.awaiting(nodes, 'val_1', n => n !== 'val_3')).toEqual([])
    r.waitEndedAt = 1050
    const c = (w: number, t: number, m: number, b: number): Counters => ({ raintreeWrites: w, transportSent: t, gossipMessages: m, gossipBytes: b, cleanup: {} })
    r.before = new Map([['val_1', c(0, 0, 0, 0)], ['val_2', c(5, 50, 1, 10)], ['full_1', c(0, 0, 0, 0)], ['val_3', c(0, 0, 0, 0)]])
    r.after = new Map([['val_1', c(2, 220, 3, 330)], ['val_2', c(6, 60, 2, 20)], ['full_1', c(0, 0, 1, 7)]])
    const rep = r.report(nodes, 'val_1', () => true, 900)
    expect(rep.raintree).toEqual({ reached: 2, liveReached: 2, eligibleLive: 3, fullCoverageMs: 10, messages: 3, bytes: 230, originatorUploadBytes: 220, cleanup: {}, missing: ['val_3'] })
    expect(rep.background).toEqual({ reached: 3, liveReached: 3, eligibleLive: 4, fullCoverageMs: 40, messages: 5, bytes: 347, originatorUploadBytes: 330, cleanup: null, missing: ['val_3'] })
    expect(rep).toMatchObject({ startMs: 100, callMs: 5, away: ['val_3'], missing: ['val_3'], late: [], deliveredOnce: 2, deliveredMoreThanOnce: [], unscraped: ['val_3'] })
  })

  it('clean-up: events read by label, deltas summed over the nodes scraped twice, and the holders yet to walk named', () => {
    const text = (events: Record<string, number>): string => Object.entries(events).map(([e, v]) => `pokt_raintree_cleanup_total{event="${e}"} ${v}`).join('\n')
    const at = (events: Record<string, number>): Counters => countersOf(parsePrometheusText(text(events)))
    expect(at({ query_sent: 2, have: 1 }).cleanup).toEqual({ query_sent: 2, have: 1 })
    const before = new Map([['val_1', at({ query_sent: 1 })], ['val_2', at({})], ['val_3', at({ have: 1 })], ['val_4', at({})]])
    const after = new Map([['val_1', at({ query_sent: 2, have: 1 })], ['val_2', at({ query_failed: 1, want: 1, repaired: 1 })], ['val_3', at({ have: 1 })]])
    // val_4 was not scraped after (killed): left out; events that did not move are not listed
    expect(cleanupDelta(before, after)).toEqual({ have: 1, query_failed: 1, query_sent: 1, repaired: 1, want: 1 })
    // val_3 holds the message and has not walked yet; val_4 is not counted (not scraped after)
    expect(walksPending(before, after, () => 1)).toEqual(['val_3'])
    expect(walksPending(before, after, n => n !== 'val_3' ? 1 : 0)).toEqual([])
    // a node holding two messages (warm-up tries) has made one walk: pending
    expect(walksPending(before, after, n => n === 'val_2' ? 2 : 0)).toEqual(['val_2'])
  })

  it('delivered more than once means twice from one process: a restarted node taking it again in its new process is not', () => {
    const r = new BroadcastRecord('b1', 'raintree', 100)
    r.startAt = 0
    r.copy('val_2', 'received', 'raintree', 5, 5, 1)
    r.copy('val_2', 'received', 'raintree', 900, 900, 2)
    r.copy('val_3', 'received', 'raintree', 6, 6, 1)
    r.copy('val_3', 'received', 'raintree', 7, 7, 1)
    const rep = r.report(nodes, 'val_1', () => true, 0)
    expect(rep.deliveredMoreThanOnce).toEqual(['val_3'])
    expect(rep.deliveredOnce).toBe(1)
  })

  it('a copy after the wait ended is late, and the coverage is not full', () => {
    const r = new BroadcastRecord('b2', 'raintree', 100)
    r.startAt = 0
    r.copy('val_2', 'received', 'raintree', 5, 5)
    r.waitEndedAt = 10
    r.copy('val_3', 'received', 'raintree', 20, 20)
    r.copy('val_3', 'received', 'raintree', 21, 21)
    const rep = r.report(nodes, 'val_1', () => true, 0)
    expect(rep.raintree?.fullCoverageMs).toBeNull()
    expect(rep.late).toEqual(['val_3'])
    expect(rep.deliveredMoreThanOnce).toEqual(['val_3'])
    expect(rep.background).toBeNull()
    // the unstaked node is not expected through RainTree
    expect(rep.missing).toEqual([])
    expect(summarize([rep], 'raintree')).toMatchObject({ broadcasts: 1, fullyCovered: 0, fullCoverageMs: null })
    expect(summarize([rep], 'background')).toBeNull()
  })

  it('early or late is decided by when the test bed read the line, not by the node\'s clock (a few ms apart between processes)', () => {
    const r = new BroadcastRecord('b3', 'raintree', 100)
    r.startAt = 0
    r.copy('val_2', 'received', 'raintree', 5, 6)
    // val_3's clock runs 30 ms ahead: its copy says 40, but the test bed read it at 9, before the wait ended
    r.copy('val_3', 'received', 'raintree', 40, 9)
    r.waitEndedAt = 10
    const rep = r.report(nodes, 'val_1', () => true, 0)
    expect(rep.late).toEqual([])
    // the time to full coverage is the nodes' own: the last first copy, by its clock
    expect(rep.raintree?.fullCoverageMs).toBe(40)
  })

  it('pick: the same seed picks the same nodes, a different seed may not; sortNames orders val_2 before val_10', () => {
    const names = Array.from({ length: 30 }, (_, i) => `val_${i + 2}`)
    const hash = (t: string): string => t.split('').reverse().join('')
    expect(pick(names, 5, 'a', hash)).toEqual(pick([...names].reverse(), 5, 'a', hash))
    expect(pick(names, 5, 'a', hash)).toHaveLength(5)
    expect(sortNames(['full_1', 'val_10', 'val_2'])).toEqual(['val_2', 'val_10', 'full_1'])
  })
})
