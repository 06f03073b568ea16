import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { fuzzRuns } from '@pokt-p2p/testing'
import {
  CONTROL_MAX_LINE_BYTES, CONTROL_MAX_PAYLOAD_BYTES, InvalidControlCommandError, parseControlLine
} from '../src/commands/control.js'
import { LineSplitter, LineTooLongError, type Line } from '../src/line-splitter.js'
import { mutatedText } from '../../../test-support/fuzz-inputs.js'
import { BIN, freePortRange, genesisNetwork, killAll, Proc, runBin } from './helpers.js'

afterEach(killAll)

/** `pokt-p2p node --config F --control stdin`, its stdin a pipe the test writes command lines to. */
function controlled (config: string): Proc {
  return new Proc(process.execPath, [BIN, 'node', '--config', config, '--control', 'stdin'], { stdin: 'pipe' })
}

function send (p: Proc, line: string | Record<string, unknown>): void {
  p.child.stdin!.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`)
}

describe('pokt-p2p node --control stdin, three processes on loopback', () => {
  it('broadcasts through each router reach the other two with id, at and router; ping; every bad line one control-error; EOF does not stop a node; SIGTERM with stdin open: 143', async () => {
    const { dir } = await genesisNetwork(3, 'control')
    // a fourth node with a key outside the genesis: unstaked, so it has no RainTree router
    const key = JSON.parse((await runBin(['keygen', '--json'])).out) as { privateKey: string }
    const base = JSON.parse(await readFile(join(dir, 'node-1.json'), 'utf8')) as { p2p: Record<string, unknown> }
    const unstakedConfig = join(dir, 'node-4.json')
    await writeFile(unstakedConfig, JSON.stringify({ ...base, p2p: { ...base.p2p, private_key: key.privateKey, port: await freePortRange(1) } }))

    const procs = [1, 2, 3].map(i => controlled(join(dir, `node-${i}.json`)))
    const [n1, n2, n3] = procs as [Proc, Proc, Proc]
    // sent before the node has started: it waits, and is answered after "started"
    send(n1, { cmd: 'ping', id: 'early' })
    const started = await Promise.all(procs.map(async p => await p.event('out', 'started')))
    expect(started.map(s => s.staked)).toEqual([true, true, true])
    expect(started.every(s => typeof s.at === 'number' && Number.isFinite(s.at))).toBe(true)
    const pong = await n1.event('out', 'pong')
    expect(pong).toEqual({ event: 'pong', id: 'early', at: expect.any(Number) })
    expect(n1.out.findIndex(l => l.includes('"pong"'))).toBeGreaterThan(n1.out.findIndex(l => l.includes('"started"')))
    expect(pong.at as number).toBeGreaterThanOrEqual(started[0]!.at as number)

    // RainTree's handler is registered, and gossip subscribed, once each node's background router has started
    await Promise.all(procs.map(async p => await p.event('err', 'router-started')))
    // gossip reaches the others once they are on its topic: probe (gossip only) until the origin sees both there
    for (let i = 0; ; i++) {
      send(n3, { cmd: 'broadcast', id: `probe-${i}`, bytes: 16, router: 'background' })
      const done = await n3.event('out', 'broadcast', r => r.id === `probe-${i}`)
      if (done.gossipPeers === 2) break
    }

    const unstaked = controlled(unstakedConfig)
    send(n1, { cmd: 'broadcast', id: 'via-both', bytes: 1000 })
    send(n2, { cmd: 'broadcast', id: 'via-raintree', bytes: 2000, router: 'raintree' })
    send(n3, { cmd: 'broadcast', id: 'via-background', bytes: 3000, router: 'background' })
    const cases = [
      { from: 0, id: 'via-both', bytes: 1000, routers: ['raintree', 'background'] },
      { from: 1, id: 'via-raintree', bytes: 2000, routers: ['raintree'] },
      { from: 2, id: 'via-background', bytes: 3000, routers: ['background'] }
    ]
    for (const c of cases) {
      const origin = procs[c.from]!
      const done = await origin.event('out', 'broadcast', r => r.id === c.id)
      const sending = await origin.event('out', 'broadcasting', r => r.id === c.id)
      expect(sending).toEqual({ event: 'broadcasting', id: c.id, router: ['both', 'raintree', 'background'][c.from], bytes: c.bytes, at: expect.any(Number) })
      expect(done).toMatchObject({ id: c.id, router: sending.router, bytes: c.bytes, at: sending.at, gossipPeers: expect.any(Number) })
      expect(done.doneAt as number).toBeGreaterThanOrEqual(done.at as number)
      for (const [i, p] of procs.entries()) {
        if (i === c.from) continue
        const r = await p.event('out', 'received', e => e.id === c.id)
        expect(r).toMatchObject({ id: c.id, bytes: c.bytes, typeUrl: 'type.googleapis.com/pocket.DebugMessage', from: expect.any(String), text: expect.stringMatching(new RegExp(`^${c.id}\\n\\.+$`)) })
        expect(c.routers).toContain(r.router)
        expect(r.nonce).toMatch(/^[1-9]\d*$/)
        // one machine, one clock: a copy arrives after it was sent
        expect(r.at as number).toBeGreaterThan(sending.at as number)
      }
    }

    // every kind of bad line: one control-error each, naming what was wrong; the node goes on
    const bad: Array<[string, RegExp]> = [
      ['not json', /^\(line\): not JSON/],
      [`{"cmd":"ping","id":"${'x'.repeat(CONTROL_MAX_LINE_BYTES)}"}`, /^\(line\): longer than 4096 bytes/],
      ['[1,2]', /^\(line\): must be a JSON object/],
      ['{"id":"a"}', /^cmd: is required/],
      ['{"cmd":"shout","id":"a"}', /^cmd: unknown command "shout"/],
      ['{"cmd":"ping"}', /^id: must be 1\.\.64 characters/],
      ['{"cmd":"ping","id":"has space"}', /^id: /],
      [`{"cmd":"ping","id":"${'a'.repeat(65)}"}`, /^id: /],
      ['{"cmd":"ping","id":"p","extra":1}', /^extra: unknown field/],
      ['{"cmd":"broadcast","id":"abc","bytes":3}', /^bytes: must be an integer from 4 /],
      [`{"cmd":"broadcast","id":"abc","bytes":${CONTROL_MAX_PAYLOAD_BYTES + 1}}`, new RegExp(`^bytes: .* to ${CONTROL_MAX_PAYLOAD_BYTES} `)],
      ['{"cmd":"broadcast","id":"abc","bytes":100.5}', /^bytes: .*got 100\.5$/],
      ['{"cmd":"broadcast","id":"abc","bytes":"100"}', /^bytes: .*got "100"$/],
      ['{"cmd":"broadcast","id":"abc","bytes":100,"router":"carrier-pigeon"}', /^router: must be one of both, raintree, background/]
    ]
    for (const [line] of bad) send(n1, line)
    send(n1, { cmd: 'ping', id: 'after-bad' })
    await n1.event('out', 'pong', r => r.id === 'after-bad')
    const errors = n1.events('err', 'control-error')
    expect(errors).toHaveLength(bad.length)
    for (const [i, [line, error]] of bad.entries()) {
      expect(errors[i]!.error).toMatch(error)
      expect(errors[i]!.line).toBe(line.slice(0, 200))
    }
    // and a broadcast after them still goes out
    send(n1, { cmd: 'broadcast', id: 'after-bad', bytes: 64, router: 'raintree' })
    await n2.event('out', 'received', r => r.id === 'after-bad')

    // raintree on an unstaked node: an error naming the router; the node goes on
    expect(await unstaked.event('out', 'started')).toMatchObject({ staked: false })
    send(unstaked, { cmd: 'broadcast', id: 'no-rt', bytes: 10, router: 'raintree' })
    send(unstaked, { cmd: 'ping', id: 'still-here' })
    await unstaked.event('out', 'pong', r => r.id === 'still-here')
    expect((await unstaked.event('err', 'control-error')).error).toMatch(/^router: "raintree" cannot be used: this node is not staked/)

    // n3's stdin ends: it keeps running and receiving
    n3.child.stdin!.end()
    send(n2, { cmd: 'broadcast', id: 'after-eof', bytes: 64, router: 'raintree' })
    await n3.event('out', 'received', r => r.id === 'after-eof')

    // a later copy names its broadcast too (whether a second copy arrives before the test ends is up to the network)
    for (const p of procs) {
      for (const d of p.events('out', 'duplicate')) {
        expect(d).toMatchObject({ at: expect.any(Number), nonce: expect.stringMatching(/^[1-9]\d*$/) })
        expect(d.id).toMatch(/^(probe-\d+|via-both|via-raintree|via-background|after-bad|after-eof)$/)
      }
    }
    // own broadcasts are never reported as received
    for (const [i, p] of procs.entries()) expect(p.events('out', 'received').map(r => r.id)).not.toContain(cases[i]!.id)

    // SIGTERM while stdin stays open (n3's is closed): each stops cleanly
    for (const p of [...procs, unstaked]) p.child.kill('SIGTERM')
    const exits = await Promise.all([...procs, unstaked].map(async p => await p.exit))
    expect(exits).toEqual(Array(4).fill({ code: 143, signal: null }))
    for (const p of [...procs, unstaked]) expect(p.out.at(-1)).toBe('{"event":"stopped"}')
    for (const p of procs) expect(p.events('err', 'send-failed').filter(e => e.router !== 'background')).toEqual([])
  }, 300_000)

  it('--control takes only stdin: anything else is a usage error naming it', async () => {
    const r = await runBin(['node', '--config', 'x.json', '--control', 'tcp'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('--control must be stdin')
    expect(r.err).toContain('"tcp"')
  }, 60_000)
})

/** Arbitrary lines: near-valid commands, random JSON objects with the command's fields, and any text. */
const validId = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/)
const anyLine: fc.Arbitrary<string> = fc.oneof(
  fc.record({ cmd: fc.constant('ping'), id: validId }).map(o => JSON.stringify(o)),
  fc.record({
    cmd: fc.constant('broadcast'), id: validId, bytes: fc.integer({ min: 0, max: CONTROL_MAX_PAYLOAD_BYTES + 2 }), router: fc.constantFrom('both', 'raintree', 'background')
  }, { requiredKeys: ['cmd', 'id', 'bytes'] }).map(o => JSON.stringify(o)),
  mutatedText('{"cmd":"broadcast","id":"b1","bytes":4194304,"router":"both"}'),
  fc.record({
    cmd: fc.oneof(fc.constantFrom('broadcast', 'ping'), fc.jsonValue()),
    id: fc.oneof(validId, fc.jsonValue(), fc.string({ maxLength: 80 })),
    bytes: fc.oneof(fc.integer(), fc.double(), fc.jsonValue(), fc.constant(CONTROL_MAX_PAYLOAD_BYTES), fc.constant(CONTROL_MAX_PAYLOAD_BYTES + 1)),
    router: fc.oneof(fc.constantFrom('both', 'raintree', 'background'), fc.jsonValue()),
    extra: fc.jsonValue()
  }, { requiredKeys: [] }).map(o => JSON.stringify(o)),
  fc.jsonValue().map(v => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.string({ minLength: CONTROL_MAX_LINE_BYTES - 10, maxLength: CONTROL_MAX_LINE_BYTES + 10 })
)

describe('fuzz: the control line parser', () => {
  it('never throws: a valid command, or an InvalidControlCommandError naming a field', () => {
    const seen = { command: 0, error: 0 }
    fc.assert(fc.property(anyLine, line => {
      const r = parseControlLine(line)
      if (r instanceof Error) {
        expect(r).toBeInstanceOf(InvalidControlCommandError)
        // the field as written, whatever it holds (a hostile name with \r or \n too: the log line is JSON-escaped)
        expect(r.field.length).toBeGreaterThan(0)
        expect(r.message.startsWith(`${r.field}: `)).toBe(true)
        seen.error++
      } else {
        expect(r.id).toMatch(/^[A-Za-z0-9._-]{1,64}$/)
        if (r.cmd === 'broadcast') {
          expect(Number.isInteger(r.bytes) && r.bytes > r.id.length && r.bytes <= CONTROL_MAX_PAYLOAD_BYTES).toBe(true)
          expect(['both', 'raintree', 'background']).toContain(r.router)
        }
        seen.command++
      }
    }), { numRuns: fuzzRuns(2000) })
    expect(seen.command).toBeGreaterThan(0)
    expect(seen.error).toBeGreaterThan(0)
  })

  it('the line splitter, however the stream is cut: the same lines, and a too-long line reported once while reading', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.string({ maxLength: 40 }).map(s => s.replace(/[\r\n]/g, '')), fc.nat({ max: 300 }).map(n => 'y'.repeat(n))), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }),
      (lines, cuts) => {
        const max = 100
        const got: Line[] = []
        const splitter = new LineSplitter(l => { got.push(l) }, max)
        const bytes = Buffer.from(lines.map(l => `${l}\n`).join(''))
        for (let at = 0, k = 0; at < bytes.length; k++) {
          const n = cuts[k % cuts.length]!
          splitter.push(bytes.subarray(at, at + n))
          at += n
        }
        splitter.end()
        const expected = lines.map(l => Buffer.byteLength(l) > max ? 'too long' : l)
        expect(got.map(g => 'line' in g ? g.line : 'too long')).toEqual(expected)
        for (const g of got) if ('tooLong' in g) expect(g.tooLong).toBeInstanceOf(LineTooLongError)
      }
    ), { numRuns: fuzzRuns(500) })
  })

  it('the line cap holds while reading: a line is reported too long before its end arrives, and the rest of it is skipped', () => {
    const got: Line[] = []
    const splitter = new LineSplitter(l => { got.push(l) }, CONTROL_MAX_LINE_BYTES)
    splitter.push(Buffer.alloc(CONTROL_MAX_LINE_BYTES, 'a'))
    expect(got).toEqual([])
    splitter.push(Buffer.from('a'))
    expect(got).toHaveLength(1)
    expect(got[0]).toEqual({ tooLong: expect.any(LineTooLongError), head: 'a'.repeat(200) })
    // megabytes more of it are skipped, then the next line is whole
    for (let i = 0; i < 64; i++) splitter.push(Buffer.alloc(64 * 1024, 'b'))
    splitter.push(Buffer.from('bbb\n{"cmd":"ping","id":"p"}\n'))
    expect(got.slice(1)).toEqual([{ line: '{"cmd":"ping","id":"p"}' }])
  })
})
