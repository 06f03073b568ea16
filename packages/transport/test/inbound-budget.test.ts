/**
 * Issue 15, item 3: memory held by unfinished inbound messages. Against real nodes over loopback TCP: a RainTree
 * stream from a sender the admission predicate refuses is reset before any byte is read, and streams that send
 * part of a message and never finish hold at most the node-wide budget (less for senders without priority).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fuzzRuns, waitFor } from '@pokt-p2p/testing'
import type { Stream } from '@libp2p/interface'
import {
  BACKGROUND_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID, encodeFrame, encodeFrameHeader, InboundBudget, InboundBudgetExceededError,
  RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID, StreamNotAdmittedError
} from '../src/index.js'
import { chunk, collect, rawStream, startNodes, stopAll, type TestNode } from './helpers.js'

/**
 * Inputs of the real-node budget property in `npm run fuzz`: each sends up to 80 KiB over real streams and waits for
 * them to end (about 50 ms), so 100,000 would take well over an hour; the framed decoder gets the full count in
 * framing.test.ts.
 */
const REAL_NODE_BUDGET_FUZZ_MAX = 10_000

const MiB = 1024 * 1024
const RAINTREE = new Set([RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID])

const running: TestNode[][] = []
afterEach(async () => { await Promise.all(running.splice(0).map(stopAll)) })

/** Writes `bytes` on a raw stream without closing it; errors (the receiver's reset) are expected and ignored. */
function sendAndHold (stream: Stream, bytes: Uint8Array): void {
  try {
    if (!stream.send(bytes)) stream.onDrain().catch(() => {})
  } catch {
    // reset already
  }
}

const rejected = (n: TestNode, reason: string): number => n.metrics.value('pokt_transport_rejected_total', reason)

describe('admission predicate (issue 15 item 3)', () => {
  it('resets a RainTree stream from a sender it refuses before reading any byte, on v1 and framed; admitted senders deliver', async () => {
    const errors: Error[] = []
    let staked = new Set<string>()
    const [victim, validator, outsider] = await startNodes(3, {
      init: i => i === 0
        ? { admitInbound: (protocol, from) => !RAINTREE.has(protocol) || staked.has(from.address), onError: err => { errors.push(err) } }
        : {}
    }) as [TestNode, TestNode, TestNode]
    running.push([victim, validator, outsider])
    staked = new Set([validator.identity.address])
    const v1 = collect(victim, RAINTREE_PROTOCOL_ID)
    const v2 = collect(victim, RAINTREE_STREAM_PROTOCOL_ID)

    // the outsider opens both and writes a message's first megabyte, never finishing it
    const streams = [await rawStream(outsider, victim, RAINTREE_PROTOCOL_ID), await rawStream(outsider, victim, RAINTREE_STREAM_PROTOCOL_ID)]
    sendAndHold(streams[0]!, new Uint8Array(MiB))
    sendAndHold(streams[1]!, encodeFrameHeader(4 * MiB))
    sendAndHold(streams[1]!, new Uint8Array(MiB))
    await waitFor(() => streams.every(s => s.status !== 'open') && rejected(victim, 'notAdmitted') === 2, {
      what: () => `both outsider streams reset (${streams.map(s => s.status).join(', ')}, ${rejected(victim, 'notAdmitted')} refused)`
    })
    // nothing of theirs was ever held: the budget was never touched
    expect(victim.transport.inboundBudget.peak).toBe(0)
    expect(errors.map(e => e.constructor)).toEqual([StreamNotAdmittedError, StreamNotAdmittedError])
    expect(errors.map(e => (e as StreamNotAdmittedError).sender)).toEqual([outsider.identity.address, outsider.identity.address])

    // the staked validator delivers on both; the background protocol stays open to everyone
    await validator.transport.sendTo(victim.peer, RAINTREE_PROTOCOL_ID, new Uint8Array([1]))
    await validator.transport.sendTo(victim.peer, RAINTREE_STREAM_PROTOCOL_ID, new Uint8Array([2]))
    const background = collect(victim, BACKGROUND_PROTOCOL_ID)
    await outsider.transport.sendTo(victim.peer, BACKGROUND_PROTOCOL_ID, new Uint8Array([3]))
    await waitFor(() => v1.length === 1 && v2.length === 1 && background.length === 1, { what: 'the admitted messages' })
    expect([v1[0]!.from, v2[0]!.from, background[0]!.from]).toEqual([validator.identity.address, validator.identity.address, outsider.identity.address])
  })
})

describe('node-wide inbound budget (issue 15 item 3)', () => {
  it('holds unfinished messages to the budget (senders without priority to their share); a priority sender still delivers', async () => {
    const errors: Error[] = []
    let priority = ''
    const [victim, validator, outsider] = await startNodes(3, {
      init: i => i === 0
        ? {
            maxInboundBytes: 8 * MiB,
            priorityInboundBytes: 4 * MiB + 64 * 1024,
            priorityPeer: from => from.address === priority,
            onError: err => { errors.push(err) }
          }
        : {}
    }) as [TestNode, TestNode, TestNode]
    running.push([victim, validator, outsider])
    priority = validator.identity.address
    const got = collect(victim, BACKGROUND_PROTOCOL_ID)
    collect(victim, BACKGROUND_STREAM_PROTOCOL_ID)

    // 32 streams per protocol, each with a megabyte of a message it never finishes: 64 MiB unbounded
    const streams: Stream[] = []
    for (const protocol of [BACKGROUND_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID]) {
      for (let i = 0; i < 32; i++) {
        const s = await rawStream(outsider, victim, protocol)
        if (protocol === BACKGROUND_STREAM_PROTOCOL_ID) sendAndHold(s, encodeFrameHeader(4 * MiB))
        sendAndHold(s, new Uint8Array(MiB))
        streams.push(s)
      }
    }
    const share = 8 * MiB - (4 * MiB + 64 * 1024)
    // the share fits 3 whole megabytes: every other stream is refused once its bytes pass it
    await waitFor(() => streams.filter(s => s.status !== 'open').length >= 64 - 4, {
      what: () => `the outsider's streams over the budget to be reset (${streams.filter(s => s.status !== 'open').length} of 64)`
    })
    const budget = victim.transport.inboundBudget
    expect(budget.peak).toBeLessThanOrEqual(share)
    expect(rejected(victim, 'budget')).toBeGreaterThanOrEqual(60)
    expect(errors.every(e => e instanceof InboundBudgetExceededError)).toBe(true)

    // the outsider still holds its share; the validator's 4 MiB message fits in the priority part
    expect(budget.used).toBeGreaterThan(0)
    await validator.transport.sendTo(victim.peer, BACKGROUND_PROTOCOL_ID, new Uint8Array(4 * MiB))
    await waitFor(() => got.length === 1, { what: 'the validator\'s message' })
    expect(got[0]!.from).toBe(validator.identity.address)
    expect(budget.peak).toBeLessThanOrEqual(8 * MiB)

    // once the outsider goes away, whatever it held is released
    await outsider.node.hangUp(victim.node.peerId)
    await waitFor(() => budget.used === 0, { what: () => `the budget to be released (${budget.used} bytes held)` })
  })
})

describe('InboundBudget', () => {
  it('never holds more than its limits, and a refused growth changes nothing (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.tuple(fc.nat(7), fc.integer({ min: 0, max: 600 })), { maxLength: 60 }),
      (max, reserved, ops) => {
        const budget = new InboundBudget(max, reserved)
        // holds 0-3 without priority, 4-7 with
        const holds = Array.from({ length: 8 }, (_, i) => budget.hold(i >= 4))
        for (const [which, bytes] of ops) {
          const hold = holds[which]!
          const before = hold.held
          try {
            hold.set(bytes)
          } catch (err) {
            expect(err).toBeInstanceOf(InboundBudgetExceededError)
            expect(hold.held).toBe(before)
          }
          const others = holds.slice(0, 4).reduce((sum, h) => sum + h.held, 0)
          const all = holds.reduce((sum, h) => sum + h.held, 0)
          expect(budget.used).toBe(all)
          expect(all).toBeLessThanOrEqual(max)
          expect(others).toBeLessThanOrEqual(max - budget.priorityBytes)
        }
        for (const h of holds) h.release()
        expect(budget.used).toBe(0)
      }
    ))
  })
})

describe('inbound budget, fuzzed (issue 15 item 3)', () => {
  it('random frames and messages, randomly chunked, against a small budget: intact or refused, never over it, all released', async () => {
    const BUDGET = 48 * 1024
    const [victim, sender] = await startNodes(2, { transport: 'memory', init: i => i === 0 ? { maxInboundBytes: BUDGET } : {} }) as [TestNode, TestNode]
    running.push([victim, sender])
    const framed = collect(victim, BACKGROUND_STREAM_PROTOCOL_ID)
    const v1 = collect(victim, BACKGROUND_PROTOCOL_ID)
    const budget = victim.transport.inboundBudget
    await fc.assert(fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 56 * 1024 }), { maxLength: 6 }),
      fc.uint8Array({ maxLength: 80 * 1024 }),
      fc.array(fc.nat(300 * 1024), { maxLength: 8 }),
      async (frames, message, cuts) => {
        framed.length = 0
        v1.length = 0
        // framed: every frame on one stream, cut anywhere, then closed
        const bytes = new Uint8Array(frames.reduce((n, f) => n + encodeFrame(f).byteLength, 0))
        let offset = 0
        for (const f of frames) {
          bytes.set(encodeFrame(f), offset)
          offset += encodeFrame(f).byteLength
        }
        const fs = await rawStream(sender, victim, BACKGROUND_STREAM_PROTOCOL_ID)
        for (const piece of chunk(bytes, cuts)) sendAndHold(fs, piece)
        await fs.close().catch(() => {})
        await waitFor(() => fs.status !== 'open' && budget.used === 0, {
          what: () => `the framed stream to end and the budget to be released (${fs.status}, ${budget.used} held)`
        })
        // then v1 (alone, so that it has the whole budget): one message, cut anywhere, then closed
        const ms = await rawStream(sender, victim, BACKGROUND_PROTOCOL_ID)
        for (const piece of chunk(message, cuts)) sendAndHold(ms, piece)
        await ms.close().catch(() => {})
        await waitFor(() => ms.status !== 'open' && budget.used === 0, {
          what: () => `the v1 stream to end and the budget to be released (${ms.status}, ${budget.used} held)`
        })
        // whatever arrived is the frames sent, in order and intact; all of them when they fit in the budget at once
        expect(framed.map(f => f.bytes)).toEqual(frames.slice(0, framed.length))
        if (bytes.byteLength <= BUDGET) expect(framed).toHaveLength(frames.length)
        if (frames.some(f => f.byteLength > BUDGET)) expect(framed.length).toBeLessThan(frames.length)
        // a v1 message is delivered exactly when it fits
        expect(v1.map(m => m.bytes)).toEqual(message.byteLength <= BUDGET ? [message] : [])
        expect(budget.peak).toBeLessThanOrEqual(BUDGET)
      }
    ), { numRuns: fuzzRuns(40, { maxRuns: REAL_NODE_BUDGET_FUZZ_MAX }) })
    // inputs of up to 400 KB through two real nodes each (since fuzz inputs have their full size): a bound for a
    // hang, not a time budget
  }, 600_000)
})
