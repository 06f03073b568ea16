/**
 * What the router logs for an operator (`pokt:background`): a send that failed is one error line naming the peer
 * and the reason; bootstrap progress and drops are logged at the normal level.
 */
import { describe, expect, it } from '@jest/globals'
import { captureLogs, waitFor } from '@pokt-p2p/testing'
import { createPeer, generateIdentity } from '@pokt-p2p/types'
import { count, envelope, makeRouter, TEST_INIT } from './helpers.js'
import { stoppedAfterEach } from './stopped-after-each.js'

const { cleanup, node } = stoppedAfterEach()

describe('logs', () => {
  it('a failed unicast send is one error line naming the peer and the reason', async () => {
    const a = await node(4201)
    const logs = captureLogs()
    const ra = makeRouter(a, [], TEST_INIT, logs.logger)
    cleanup.push(async () => { await ra.stop() })
    await ra.start()
    // a peer nobody listens for: port 1 on loopback refuses at once
    const down = createPeer(generateIdentity().publicKey, '127.0.0.1:1')
    await ra.addPeer(down)
    const err = await ra.send(envelope('to nobody'), down.address).then(() => undefined, (e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    const errors = logs.lines.filter(l => l.namespace === 'pokt:background:error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.text).toContain(down.address)
    expect(errors[0]?.text).toContain((err as Error).message)
    expect(count(a, 'messages', 'send_failed')).toBe(1)
    // and the bootstrap was reported, at the normal level
    const normal = logs.lines.filter(l => l.namespace === 'pokt:background').map(l => l.text)
    expect(normal).toContain('bootstrap started: dialling 0 of 0 known peers')
    expect(normal.some(t => t.startsWith('bootstrap succeeded: 0 of 0 peers connected'))).toBe(true)
  })

  it('a bootstrap that reaches nobody logs each peer and the failure at the error level, and drops are logged with their reason', async () => {
    const a = await node(4202)
    const b = await node(4203)
    const logs = captureLogs()
    const down = createPeer(generateIdentity().publicKey, '127.0.0.1:1')
    const ra = makeRouter(a, [down], { ...TEST_INIT, bootstrapRetries: 2, bootstrapBackoffMs: 10 }, logs.logger)
    cleanup.push(async () => { await ra.stop() })
    await ra.start()
    const errors = logs.lines.filter(l => l.namespace === 'pokt:background:error').map(l => l.text)
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(new RegExp(`^bootstrap could not connect to ${down.address} after 2 attempts: .+`))
    expect(errors[1]).toMatch(/^bootstrap failed: none of 1 peers could be connected/)
    // each failed attempt, as it happened
    const attempts = logs.lines.filter(l => l.namespace === 'pokt:background' && l.text.startsWith('bootstrap dial '))
    expect(attempts.map(l => l.text.slice(0, `bootstrap dial 1/2 to ${down.address}`.length)))
      .toEqual([1, 2].map(i => `bootstrap dial ${i}/2 to ${down.address}`))

    await b.transport.sendTo(a.peer, 'pokt/background/v1.0.0', new Uint8Array([0xff]))
    await waitFor(() => count(a, 'dropped', 'decode') === 1, { timeoutMs: 15_000, what: 'A to drop the message' })
    expect(logs.lines.filter(l => l.text.startsWith('dropped unicast message'))).toEqual([
      { namespace: 'pokt:background', text: expect.stringMatching(new RegExp(`^dropped unicast message from ${b.peer.address}: decode \\(.+\\)$`)) }
    ])
  })
})
