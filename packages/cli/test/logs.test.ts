import { afterEach, describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { jsonLogger, type JsonLogRecord } from '../src/index.js'
import { genesisNetwork, killAll, startBin } from './helpers.js'

afterEach(killAll)

describe('structured logs', () => {
  it('DEBUG=pokt:*: the node writes its components\' logs as JSON lines on stderr, and a failed send as one error line naming the peer and the reason', async () => {
    const { dir, base } = await genesisNetwork(2, 'logs')
    // only node 1 runs: its RainTree send to node 2 fails
    const n1 = startBin(['node', '--config', join(dir, 'node-1.json'), '--broadcast', 'anyone?', '--broadcast-delay-ms', '0'], { DEBUG: 'pokt:*' })
    const started = await n1.event('out', 'started')
    await n1.event('out', 'broadcast')
    const failed = await n1.event('err', 'send-failed', r => r.router === 'raintree')
    n1.child.kill('SIGTERM')
    expect(await n1.exit).toEqual({ code: 143, signal: null })

    // stderr holds nothing but JSON lines
    expect(n1.err.filter(l => !l.startsWith('{'))).toEqual([])
    const logs = n1.events('err', 'log') as unknown as JsonLogRecord[]
    for (const l of logs) {
      expect(l).toEqual({ event: 'log', level: expect.stringMatching(/^(debug|error)$/), namespace: expect.stringMatching(/^[a-z0-9:-]+$/), time: expect.any(String), message: expect.any(String) })
    }
    const namespaces = new Set(logs.map(l => l.namespace))
    for (const ns of ['pokt:p2p', 'pokt:raintree', 'pokt:background']) expect(namespaces).toContain(ns)
    // no trace lines without a :trace pattern (libp2p's rule), and no libp2p namespace it did not ask for
    expect(logs.filter(l => l.level === 'trace')).toEqual([])
    expect([...namespaces].filter(ns => !ns.startsWith('pokt:'))).toEqual([])

    // the failed RainTree send: one error line, naming the peer it was for and why
    const other = failed.to as string
    expect(other).not.toBe(started.address)
    const errors = logs.filter(l => l.level === 'error' && l.namespace === 'pokt:raintree')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toContain(other)
    expect(errors[0]!.message).toMatch(new RegExp(`cannot reach peer|127\\.0\\.0\\.1:${base + 1}|ECONNREFUSED`))
  }, 300_000)

  it('without DEBUG: no debug lines, but errors of pokt:* components are always written', async () => {
    const { dir } = await genesisNetwork(2, 'quiet-logs')
    const n1 = startBin(['node', '--config', join(dir, 'node-1.json'), '--broadcast', 'anyone?', '--broadcast-delay-ms', '0'], { DEBUG: undefined })
    await n1.event('out', 'broadcast')
    await n1.event('err', 'send-failed', r => r.router === 'raintree')
    n1.child.kill('SIGTERM')
    await n1.exit
    const logs = n1.events('err', 'log') as unknown as JsonLogRecord[]
    expect(logs.filter(l => l.level !== 'error')).toEqual([])
    expect(logs.filter(l => l.namespace === 'pokt:raintree')).toHaveLength(1)
  }, 300_000)

  it('jsonLogger: DEBUG patterns as libp2p reads them, libp2p\'s format specifiers, one line per call', () => {
    const lines: string[] = []
    // as DEBUG=pokt:p2p*,pokt:p2p:trace would
    const logger = jsonLogger({ write: l => { lines.push(l) }, enabled: name => name.startsWith('pokt:p2p') })
    const p2p = logger.forComponent('pokt:p2p')
    const raintree = logger.forComponent('pokt:raintree')
    const libp2p = logger.forComponent('libp2p:dialer')
    const enabled = (f: unknown): unknown => (f as { enabled?: unknown }).enabled
    expect([p2p, raintree, libp2p, raintree.error, libp2p.error].map(enabled)).toEqual([true, false, false, true, false])
    p2p('height %d: %s peers', 7, 'three')
    p2p.trace('trace %o', { a: 1 })
    raintree('not shown')
    raintree.error('send to %s failed: %e', 'abc', new TypeError('boom\nsecond line'))
    libp2p.error('routine libp2p error, not shown')
    p2p.newScope('inbound')('scoped %p', { toString: () => '12D3Koo' })
    const records = lines.map(l => JSON.parse(l) as JsonLogRecord)
    expect(records.map(({ level, namespace, message }) => ({ level, namespace, message }))).toEqual([
      { level: 'debug', namespace: 'pokt:p2p', message: 'height 7: three peers' },
      { level: 'trace', namespace: 'pokt:p2p', message: 'trace { a: 1 }' },
      { level: 'error', namespace: 'pokt:raintree', message: 'send to abc failed: TypeError: boom\nsecond line' },
      { level: 'debug', namespace: 'pokt:p2p:inbound', message: 'scoped 12D3Koo' }
    ])
    expect(lines.every(l => !l.includes('\n'))).toBe(true)
  })
})
