import { describe, expect, it } from '@jest/globals'
import { InvalidConfigError, MemoryMetrics, PocketP2PError, TimeoutError } from '@pokt-p2p/types'
import { captureLogs, waitFor } from '@pokt-p2p/testing'
import {
  InvalidHeightError, ResponseTooLargeError, RpcAbortedError, RpcConnectionError, RpcHttpError, RpcResponseError,
  RpcTimeoutError, checkHealth, rpcCurrentHeightProvider, rpcPeerstoreProvider, rpcServer, staticProviders
} from '../src/index.js'
import { addressBook, json, rejection, serverPool, startServer, testPeers } from './helpers.js'

const serve = serverPool()

// one attempt; the timeout only guards against a hang (a local server answering slowly on a loaded machine must not
// turn into an RpcTimeoutError)
const fast = { timeoutMs: 10_000, retries: 0 }

/**
 * A provider polling its own server every 10 ms, as a clock that runs at the machine's pace: once it polled `n`
 * more times, any other 10 ms poller had as many chances to poll.
 */
async function pollsOfAControl (serve: ReturnType<typeof serverPool>, n: number, during: () => Promise<void> | void): Promise<void> {
  const control = await serve((_req, res) => { json(res, { height: 1 }) })
  const chp = rpcCurrentHeightProvider({ url: control.url, ...fast, pollIntervalMs: 10 })()
  await chp.start()
  try {
    await during()
    const start = control.requests.length
    await waitFor(() => control.requests.length >= start + n, { what: `${n} polls of the control provider` })
  } finally {
    await chp.stop()
  }
}

describe('rpcCurrentHeightProvider', () => {
  it('reads the height from GET /v1/consensus/state', async () => {
    const s = await serve((_req, res) => { json(res, { height: 75016, round: 0, step: 3 }) })
    const chp = rpcCurrentHeightProvider({ url: s.url, ...fast })()
    expect(await chp.currentHeight()).toBe(75016n)
    expect(s.requests).toEqual(['/v1/consensus/state'])
  })

  it('accepts a base URL with a trailing slash', async () => {
    const s = await serve((_req, res) => { json(res, { height: 1 }) })
    expect(await rpcCurrentHeightProvider({ url: `${s.url}/`, ...fast })().currentHeight()).toBe(1n)
    expect(s.requests).toEqual(['/v1/consensus/state'])
  })

  it('emits a height event only when the observed height changes', async () => {
    let height = 5
    const s = await serve((_req, res) => { json(res, { height }) })
    const chp = rpcCurrentHeightProvider({ url: s.url, ...fast })()
    const seen: bigint[] = []
    chp.events.on('height', h => seen.push(h))
    await chp.currentHeight()
    await chp.currentHeight()
    height = 6
    await chp.currentHeight()
    expect(seen).toEqual([5n, 6n])
  })

  it('polls when pollIntervalMs is set and it is started, and stop() ends polling', async () => {
    let height = 1
    const s = await serve((_req, res) => { json(res, { height: height++ }) })
    const chp = rpcCurrentHeightProvider({ url: s.url, ...fast, pollIntervalMs: 10 })()
    await chp.start()
    expect(chp.isStarted()).toBe(true)
    try {
      const h = await chp.events.once('height', { filter: h => h >= 3n, signal: AbortSignal.timeout(15_000) })
      expect(h).toBeGreaterThanOrEqual(3n)
    } finally {
      await chp.stop()
    }
    expect(chp.isStarted()).toBe(false)
    const count = s.requests.length
    // while a control poller polls 10 times, a poller that was not stopped would too; a request already on its way
    // when stop() aborted it may still arrive
    await pollsOfAControl(serve, 10, () => {})
    expect(s.requests.length - count).toBeLessThanOrEqual(1)
  })

  it('does not poll by default (started or not), nor before it is started', async () => {
    const s = await serve((_req, res) => { json(res, { height: 1 }) })
    const started = rpcCurrentHeightProvider({ url: s.url, ...fast })()
    await pollsOfAControl(serve, 5, async () => {
      await started.start()
      rpcCurrentHeightProvider({ url: s.url, ...fast, pollIntervalMs: 10 })()
    })
    await started.stop()
    expect(s.requests).toEqual([])
  })

  it('reports poll errors and keeps polling', async () => {
    let n = 0
    const s = await serve((_req, res) => { if (n++ === 0) res.writeHead(500).end('boom'); else json(res, { height: 9 }) })
    const errors: Error[] = []
    const chp = rpcCurrentHeightProvider({ url: s.url, ...fast, pollIntervalMs: 10, onPollError: e => errors.push(e) })()
    await chp.start()
    try {
      expect(await chp.events.once('height', { signal: AbortSignal.timeout(15_000) })).toBe(9n)
    } finally {
      await chp.stop()
    }
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(RpcHttpError)
  })

  it('rejects malformed JSON with RpcResponseError naming the URL', async () => {
    const s = await serve((_req, res) => { json(res, '{"height": 12') })
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, ...fast })().currentHeight())
    expect(err).toBeInstanceOf(RpcResponseError)
    expect(err.name).toBe('RpcResponseError')
    expect(err.message).toContain(`${s.url}/v1/consensus/state`)
    expect(err.message).toContain('not valid JSON')
  })

  it.each([
    [{ round: 0 }, 'height: is missing'],
    [{ height: '12' }, 'height: expected an integer, got the string "12"'],
    [{ height: 1.5 }, 'height: expected an integer'],
    [{ height: -1 }, 'non-negative'],
    [{ height: 2 ** 60 }, 'beyond 2^53'],
    [[1, 2], 'expected a JSON object, got an array'],
    [null, 'expected a JSON object, got null']
  ])('rejects the wrong shape %j', async (body, message) => {
    const s = await serve((_req, res) => { json(res, JSON.stringify(body)) })
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, ...fast })().currentHeight())
    expect(err).toBeInstanceOf(RpcResponseError)
    expect(err.message).toContain(s.url)
    expect(err.message).toContain(message)
  })

  it('a 500 is an RpcHttpError with the status, after the configured retries', async () => {
    const s = await serve((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end('database on fire') })
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 10_000, retries: 2, retryDelayMs: 1 })().currentHeight())
    expect(err).toBeInstanceOf(RpcHttpError)
    expect((err as RpcHttpError).status).toBe(500)
    expect(err.message).toContain(`${s.url}/v1/consensus/state`)
    expect(err.message).toContain('database on fire')
    expect(s.requests).toHaveLength(3)
  })

  it('does not retry a 404', async () => {
    const s = await serve((_req, res) => { res.writeHead(404).end() })
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 10_000, retries: 3, retryDelayMs: 1 })().currentHeight())
    expect((err as RpcHttpError).status).toBe(404)
    expect(s.requests).toHaveLength(1)
  })

  it('retries with backoff and succeeds when the server recovers', async () => {
    const times: number[] = []
    const s = await serve((_req, res) => {
      times.push(Date.now())
      if (times.length < 3) res.writeHead(503).end(); else json(res, { height: 3 })
    })
    expect(await rpcCurrentHeightProvider({ url: s.url, timeoutMs: 10_000, retries: 2, retryDelayMs: 20 })().currentHeight()).toBe(3n)
    expect(times).toHaveLength(3)
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(15)
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(35) // doubled
  })

  it('times out a slow server with RpcTimeoutError (a TimeoutError) naming the URL', async () => {
    const s = await serve(() => { /* never answers */ })
    const start = Date.now()
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 200, retries: 0 })().currentHeight())
    // only the request's own timer makes an RpcTimeoutError, so this proves the timeout ended it (the test's timeout
    // catches a request that never ends)
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.message).toBe(`request to ${s.url}/v1/consensus/state timed out after 200 ms`)
    expect(Date.now() - start).toBeGreaterThanOrEqual(190)
  })

  it('times out a server that sends headers but stalls the body', async () => {
    const s = await serve((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"height":') })
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 200, retries: 0 })().currentHeight())
    expect(err).toBeInstanceOf(RpcTimeoutError)
  })

  it('each retry gets its own timeout', async () => {
    const s = await serve(() => {})
    const start = Date.now()
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 100, retries: 2, retryDelayMs: 1 })().currentHeight())
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect(s.requests).toHaveLength(3)
    expect(Date.now() - start).toBeGreaterThanOrEqual(290)
  })

  it('a refused connection is an RpcConnectionError', async () => {
    const s = await startServer(() => {})
    await s.close()
    const err = await rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 10_000, retries: 1, retryDelayMs: 1 })().currentHeight())
    expect(err).toBeInstanceOf(RpcConnectionError)
    expect(err.message).toContain(`request to ${s.url}/v1/consensus/state failed`)
    expect(err.message).toContain('ECONNREFUSED')
  })

  it('the caller signal aborts a pending request and the wait before a retry', async () => {
    // a request the server holds: abort once it arrived (an RpcAbortedError, not the RpcTimeoutError of the long
    // timeout, shows the abort is what ended it)
    const s = await serve(() => {})
    const controller = new AbortController()
    const pending = rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 60_000, retries: 0 })().currentHeight({ signal: controller.signal }))
    await waitFor(() => s.requests.length === 1, { what: 'the request to arrive' })
    controller.abort(new Error('bye'))
    const err = await pending
    expect(err).toBeInstanceOf(RpcAbortedError)
    expect((err.cause as Error).message).toBe('bye')

    // a 500, then a 60 s wait before the retry: abort once the wait began (the attempt was counted as retried), and
    // no retry is made
    const s2 = await serve((_req, res) => { res.writeHead(500).end() })
    const c2 = new AbortController()
    const metrics = new MemoryMetrics()
    const p = rejection(rpcCurrentHeightProvider({ url: s2.url, timeoutMs: 10_000, retries: 5, retryDelayMs: 60_000 })({ metrics }).currentHeight({ signal: c2.signal }))
    await waitFor(() => metrics.value('pokt_providers_rpc_requests_total', 'retried') === 1, { what: 'the wait before the retry' })
    expect(s2.requests).toHaveLength(1)
    c2.abort()
    expect(await p).toBeInstanceOf(RpcAbortedError)
    expect(s2.requests).toHaveLength(1)
  })

  it('abandons a body past maxResponseBytes (declared or streamed)', async () => {
    const declared = await serve((_req, res) => { json(res, { height: 1, pad: 'x'.repeat(2000) }) })
    const err = await rejection(rpcCurrentHeightProvider({ url: declared.url, ...fast, maxResponseBytes: 1000 })().currentHeight())
    expect(err).toBeInstanceOf(ResponseTooLargeError)
    expect(err.message).toContain(declared.url)

    let stopped = false
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }) // chunked: no content-length
      const chunk = ' '.repeat(1024)
      const pump = (): void => { if (!stopped && res.write(chunk)) setImmediate(pump) }
      res.on('drain', pump)
      res.on('close', () => { stopped = true })
      pump()
    })
    const err2 = await rejection(rpcCurrentHeightProvider({ url: streamed.url, ...fast, maxResponseBytes: 64 * 1024 })().currentHeight())
    expect(err2).toBeInstanceOf(ResponseTooLargeError)
    expect((err2 as ResponseTooLargeError).limit).toBe(64 * 1024)
  })

  it('rejects bad options', () => {
    expect(() => rpcCurrentHeightProvider({ url: 'ftp://x:1' })()).toThrow(InvalidConfigError)
    expect(() => rpcCurrentHeightProvider({ url: 'not a url' })()).toThrow(InvalidConfigError)
    expect(() => rpcCurrentHeightProvider({ url: 'http://x:1', timeoutMs: 0 })()).toThrow(/timeoutMs/)
    expect(() => rpcCurrentHeightProvider({ url: 'http://x:1', retries: -1 })()).toThrow(/retries/)
    expect(() => rpcCurrentHeightProvider({ url: 'http://x:1', pollIntervalMs: 0 })()).toThrow(/pollIntervalMs/)
  })
})

describe('rpcPeerstoreProvider', () => {
  const peers = testPeers(4)

  it('reads GET /v1/p2p/staked_actors_address_book?height=H&actor_type=validator', async () => {
    const s = await serve((_req, res) => { json(res, addressBook(peers, 42)) })
    const pstore = await rpcPeerstoreProvider({ url: s.url, ...fast })().getStakedPeerstoreAtHeight(42n)
    expect(s.requests).toEqual(['/v1/p2p/staked_actors_address_book?height=42&actor_type=validator'])
    expect(pstore.getPeerList()).toEqual(peers)
  })

  it('accepts upper-case hex and a Go nil slice (actors: null)', async () => {
    const body = addressBook(peers.slice(0, 1)) as { actors: Array<Record<string, string>> }
    const a = body.actors[0] as Record<string, string>
    a.address = (a.address as string).toUpperCase()
    a.public_key = (a.public_key as string).toUpperCase()
    const s = await serve((req, res) => { json(res, (req.url ?? '').includes('height=1&') ? body : { actors: null, height: 2 }) })
    const psp = rpcPeerstoreProvider({ url: s.url, ...fast })()
    expect((await psp.getStakedPeerstoreAtHeight(1n)).getPeerList()).toEqual(peers.slice(0, 1))
    expect((await psp.getStakedPeerstoreAtHeight(2n)).size).toBe(0)
  })

  it('the unstaked peerstore is empty (reference TECHDEBT #811 always errored)', async () => {
    const pstore = await rpcPeerstoreProvider({ url: 'http://127.0.0.1:1' })().getUnstakedPeerstore()
    expect(pstore.size).toBe(0)
  })

  it('rejects heights outside int64 before any request', async () => {
    const psp = rpcPeerstoreProvider({ url: 'http://127.0.0.1:1' })()
    expect(await rejection(psp.getStakedPeerstoreAtHeight(-1n))).toBeInstanceOf(InvalidHeightError)
    expect(await rejection(psp.getStakedPeerstoreAtHeight(1n << 63n))).toBeInstanceOf(InvalidHeightError)
  })

  function mutated (index: number, field: string, value: unknown): unknown {
    const body = addressBook(peers) as { actors: Array<Record<string, unknown>> }
    const entry = body.actors[index] as Record<string, unknown>
    if (value === undefined) Reflect.deleteProperty(entry, field); else entry[field] = value
    return body
  }

  it.each([
    ['an address that does not match the key', mutated(1, 'address', peers[2]?.address), 1, 'address', 'does not match the public key'],
    ['a short public key', mutated(2, 'public_key', 'abcd'), 2, 'public_key', 'expected 64 hex characters'],
    ['a non-hex address', mutated(0, 'address', 'z'.repeat(40)), 0, 'address', 'expected 40 hex characters'],
    ['a missing service URL', mutated(3, 'service_url', undefined), 3, 'service_url', 'is missing'],
    ['a numeric service URL', mutated(3, 'service_url', 42), 3, 'service_url', 'expected a string, got number 42'],
    ['a service URL with a scheme', mutated(0, 'service_url', 'tcp://1.2.3.4:42069'), 0, 'service_url', 'without a scheme'],
    ['a service URL with port 0', mutated(0, 'service_url', 'host:0'), 0, 'service_url', 'out of range'],
    ['a non-object actor', { actors: [1], height: 1 }, 0, undefined, 'expected an object, got number 1']
  ])('rejects %s naming the URL, the index and the field', async (_what, body, index, field, message) => {
    const s = await serve((_req, res) => { json(res, body) })
    const err = await rejection(rpcPeerstoreProvider({ url: s.url, ...fast })().getStakedPeerstoreAtHeight(1n))
    expect(err).toBeInstanceOf(RpcResponseError)
    const e = err as RpcResponseError
    expect(e.index).toBe(index)
    expect(e.field).toBe(field)
    expect(e.message).toContain(`${s.url}/v1/p2p/staked_actors_address_book?height=1&actor_type=validator`)
    expect(e.message).toContain(`actors[${index}]${field === undefined ? '' : `.${field}`}: `)
    expect(e.message).toContain(message)
  })

  it('rejects a duplicate actor', async () => {
    const body = addressBook([peers[0], peers[1], peers[0]].map(p => p as (typeof peers)[number]))
    const s = await serve((_req, res) => { json(res, body) })
    const err = await rejection(rpcPeerstoreProvider({ url: s.url, ...fast })().getStakedPeerstoreAtHeight(1n))
    expect(err).toBeInstanceOf(RpcResponseError)
    expect(err.message).toContain(`actors[2].address: duplicate address ${peers[0]?.address} (also at index 0)`)
  })

  it.each([
    [{ height: 1 }, 'actors: is missing'],
    [{ actors: {}, height: 1 }, 'actors: expected an array, got an object'],
    [{ actors: [], height: 'x' }, 'height: expected an integer']
  ])('rejects the wrong shape %j', async (body, message) => {
    const s = await serve((_req, res) => { json(res, body) })
    const err = await rejection(rpcPeerstoreProvider({ url: s.url, ...fast })().getStakedPeerstoreAtHeight(1n))
    expect(err).toBeInstanceOf(RpcResponseError)
    expect(err.message).toContain(message)
  })

  it('500, malformed JSON and a slow server are typed errors naming the URL', async () => {
    const s500 = await serve((_req, res) => { res.writeHead(500).end('nope') })
    const e500 = await rejection(rpcPeerstoreProvider({ url: s500.url, ...fast })().getStakedPeerstoreAtHeight(3n))
    expect(e500).toBeInstanceOf(RpcHttpError)
    expect(e500.message).toContain(`unexpected status code 500 from ${s500.url}/v1/p2p/staked_actors_address_book?height=3`)

    const bad = await serve((_req, res) => { json(res, '{"actors":[') })
    const eBad = await rejection(rpcPeerstoreProvider({ url: bad.url, ...fast })().getStakedPeerstoreAtHeight(3n))
    expect(eBad).toBeInstanceOf(RpcResponseError)
    expect(eBad.message).toContain(bad.url)

    const slow = await serve(() => {})
    const eSlow = await rejection(rpcPeerstoreProvider({ url: slow.url, timeoutMs: 200, retries: 0 })().getStakedPeerstoreAtHeight(3n))
    expect(eSlow).toBeInstanceOf(RpcTimeoutError)
    expect(eSlow.message).toContain(slow.url)
  })
})

describe('checkHealth', () => {
  it('resolves on 200 and throws a typed error otherwise', async () => {
    const ok = await serve((req, res) => { res.writeHead(req.url === '/v1/health' ? 200 : 404).end() })
    await checkHealth(ok.url, fast)
    const sick = await serve((_req, res) => { res.writeHead(500).end() })
    const err = await rejection(checkHealth(sick.url, fast))
    expect(err).toBeInstanceOf(RpcHttpError)
    expect(err).toBeInstanceOf(PocketP2PError)
    expect(err.message).toContain(`${sick.url}/v1/health`)
  })
})

describe('RPC providers against rpcServer', () => {
  it('round-trips height and staked peerstore', async () => {
    const peers = testPeers(5)
    const local = staticProviders({ height: 12n, staked: peers })()
    const server = rpcServer()({ heightProvider: local, peerstoreProvider: local })
    await server.start()
    const url = server.url
    try {
      const chp = rpcCurrentHeightProvider({ url, ...fast })()
      const psp = rpcPeerstoreProvider({ url, ...fast })()
      expect(await chp.currentHeight()).toBe(12n)
      expect((await psp.getStakedPeerstoreAtHeight(12n)).getPeerList()).toEqual(peers)
      local.setHeight(13n)
      expect(await chp.currentHeight()).toBe(13n)
      await checkHealth(url, fast)
    } finally {
      await server.stop()
    }
  })
})

describe('logs and metrics', () => {
  const requests = (metrics: MemoryMetrics, outcome: string): number => metrics.value('pokt_providers_rpc_requests_total', outcome)

  it('a failed RPC request is one log line naming the URL and the reason', async () => {
    const s = await serve((_req, res) => { res.writeHead(500).end('database on fire') })
    const logs = captureLogs()
    await rejection(rpcCurrentHeightProvider({ url: s.url, ...fast })({ logger: logs.logger }).currentHeight())
    const endpoint = `${s.url}/v1/consensus/state`
    expect(logs.lines).toEqual([{
      namespace: 'pokt:providers:error',
      text: `GET ${endpoint} failed: unexpected status code 500 from ${endpoint}: database on fire`
    }])

    const down = await startServer(() => {})
    await down.close()
    const downLogs = captureLogs()
    await rejection(rpcPeerstoreProvider({ url: down.url, ...fast })({ logger: downLogs.logger }).getStakedPeerstoreAtHeight(1n))
    expect(downLogs.lines).toHaveLength(1)
    expect(downLogs.lines[0]?.namespace).toBe('pokt:providers:error')
    expect(downLogs.lines[0]?.text).toContain(`GET ${down.url}/v1/p2p/staked_actors_address_book?height=1&actor_type=validator failed: `)
    expect(downLogs.lines[0]?.text).toContain('ECONNREFUSED')
  })

  it('an invalid response is a failed request too, logged with what is wrong', async () => {
    const s = await serve((_req, res) => { json(res, { height: -1 }) })
    const logs = captureLogs()
    const metrics = new MemoryMetrics()
    await rejection(rpcCurrentHeightProvider({ url: s.url, ...fast })({ logger: logs.logger, metrics }).currentHeight())
    expect(logs.lines.map(l => l.namespace)).toEqual(['pokt:providers:error'])
    expect(logs.lines[0]?.text).toContain('non-negative')
    expect([requests(metrics, 'ok'), requests(metrics, 'failed')]).toEqual([0, 1])
  })

  it('each retry is logged with the URL and the reason, then the failure', async () => {
    const s = await serve((_req, res) => { res.writeHead(503).end('busy') })
    const logs = captureLogs()
    await rejection(checkHealth(s.url, { timeoutMs: 10_000, retries: 2, retryDelayMs: 1, logger: logs.logger }))
    const endpoint = `${s.url}/v1/health`
    expect(logs.lines).toEqual([
      { namespace: 'pokt:providers', text: `GET ${endpoint} failed (attempt 1 of 3), retrying: unexpected status code 503 from ${endpoint}: busy` },
      { namespace: 'pokt:providers', text: `GET ${endpoint} failed (attempt 2 of 3), retrying: unexpected status code 503 from ${endpoint}: busy` },
      { namespace: 'pokt:providers:error', text: `GET ${endpoint} failed: unexpected status code 503 from ${endpoint}: busy` }
    ])
  })

  it('counts RPC requests by outcome: ok, failed, retried', async () => {
    let n = 0
    const flaky = await serve((_req, res) => { if (n++ < 2) res.writeHead(503).end(); else json(res, { height: 4 }) })
    const missing = await serve((_req, res) => { res.writeHead(404).end() })
    const metrics = new MemoryMetrics()
    const chp = rpcCurrentHeightProvider({ url: flaky.url, timeoutMs: 10_000, retries: 2, retryDelayMs: 1 })({ metrics })
    expect(await chp.currentHeight()).toBe(4n)
    expect(await chp.currentHeight()).toBe(4n)
    expect([requests(metrics, 'ok'), requests(metrics, 'failed'), requests(metrics, 'retried')]).toEqual([2, 0, 2])
    await rejection(rpcPeerstoreProvider({ url: missing.url, ...fast })({ metrics }).getStakedPeerstoreAtHeight(1n))
    expect([requests(metrics, 'ok'), requests(metrics, 'failed'), requests(metrics, 'retried')]).toEqual([2, 1, 2])
  })

  it('an aborted request is counted as failed, and logged without an error line', async () => {
    const s = await serve(() => {})
    const logs = captureLogs()
    const metrics = new MemoryMetrics()
    const controller = new AbortController()
    const pending = rejection(rpcCurrentHeightProvider({ url: s.url, timeoutMs: 60_000, retries: 0 })({ logger: logs.logger, metrics })
      .currentHeight({ signal: controller.signal }))
    await waitFor(() => s.requests.length === 1, { what: 'the request to arrive' })
    controller.abort()
    expect(await pending).toBeInstanceOf(RpcAbortedError)
    expect(requests(metrics, 'failed')).toBe(1)
    expect(logs.lines).toEqual([{ namespace: 'pokt:providers', text: `GET ${s.url}/v1/consensus/state aborted` }])
  })

  it('the height gauge and the log follow the observed height', async () => {
    let height = 5
    const s = await serve((_req, res) => { json(res, { height }) })
    const logs = captureLogs()
    const metrics = new MemoryMetrics()
    const chp = rpcCurrentHeightProvider({ url: s.url, ...fast })({ logger: logs.logger, metrics })
    expect(metrics.value('pokt_providers_height')).toBe(0)
    await chp.currentHeight()
    expect(metrics.value('pokt_providers_height')).toBe(5)
    await chp.currentHeight()
    height = 6
    await chp.currentHeight()
    expect(metrics.value('pokt_providers_height')).toBe(6)
    expect(logs.lines.filter(l => l.namespace === 'pokt:providers').map(l => l.text)).toEqual([
      `height 5 (was unknown) from ${s.url}`,
      `height 6 (was 5) from ${s.url}`
    ])

    const local = staticProviders({ height: 1n })({ logger: logs.logger, metrics })
    expect(metrics.value('pokt_providers_height')).toBe(1)
    local.setHeight(2n)
    local.setHeight(2n)
    expect(metrics.value('pokt_providers_height')).toBe(2)
    expect(logs.lines.at(-1)?.text).toBe('height 2 (was 1)')
  })
})
