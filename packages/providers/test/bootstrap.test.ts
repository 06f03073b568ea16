import { describe, expect, it } from '@jest/globals'
import { InvalidConfigError, MemoryMetrics, type BootstrapFailure } from '@pokt-p2p/types'
import { captureLogs, waitFor } from '@pokt-p2p/testing'
import {
  BootstrapError, DEFAULT_BOOTSTRAP_NODES_CSV, InvalidBootstrapNodeError, RpcAbortedError, RpcConnectionError, RpcHttpError,
  RpcResponseError, RpcTimeoutError, bootstrap, parseBootstrapNodes, rpcServer, staticProviders
} from '../src/index.js'
import { fakeNode, json, rejection, serverPool, startServer, testPeers } from './helpers.js'

describe('parseBootstrapNodes (reference Test_Create_configureBootstrapNodes)', () => {
  const defaults = ['http://validator1:50832', 'http://validator-001-pocket:50832']

  it.each([undefined, '', '     '])('%j → the defaults', csv => {
    expect(parseBootstrapNodes(csv)).toEqual(defaults)
    expect(DEFAULT_BOOTSTRAP_NODES_CSV).toBe(defaults.join(','))
  })

  it.each([
    '     http://somenode:50832  ,  http://someothernode:50832  ',
    'http://somenode:50832,http://someothernode:50832'
  ])('%j → trimmed list', csv => {
    expect(parseBootstrapNodes(csv)).toEqual(['http://somenode:50832', 'http://someothernode:50832'])
  })

  it.each([
    ['\n\n', 'EOF'],
    ['http://somenode:99999', 'port 99999 is out of range'],
    ['udp://somenode:-42069', 'expected http(s)://host:port'],
    ['udp://somenode:58884', 'expected http(s)://host:port'],
    ['http://somenode:0', 'port 0 is out of range'],
    ['HTTP://somenode:1', 'expected'],
    ['http://somenode:1/', 'expected'],
    ['http://some_node:1', 'expected'],
    ['http://[::1]:1', 'expected'],
    ['http://a:1,', 'invalid bootstrap node ""'],
    ['http://a:1,\thttp://b:2', 'invalid bootstrap node "\\thttp://b:2"'],
    ['http://a"b:1', 'bare "'],
    ['"http://a:1', 'extraneous or missing "']
  ])('%j → InvalidBootstrapNodeError', (csv, message) => {
    let err: unknown
    try { parseBootstrapNodes(csv) } catch (e) { err = e }
    expect(err).toBeInstanceOf(InvalidBootstrapNodeError)
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as Error).message).toContain(message)
  })

  it('reads the first CSV record only, skipping leading empty lines, with quoted fields', () => {
    expect(parseBootstrapNodes('http://a:1,https://b.c:2\nhttp://ignored:3')).toEqual(['http://a:1', 'https://b.c:2'])
    expect(parseBootstrapNodes('\n\r\nhttp://a:1\n')).toEqual(['http://a:1'])
    expect(parseBootstrapNodes('"http://a:1","http://b:2" ')).toEqual(['http://a:1', 'http://b:2'])
    // as Go's encoding/csv (TrimLeadingSpace false): a quote after a space is a bare quote
    expect(() => parseBootstrapNodes('"http://a:1", "http://b:2"')).toThrow(/bare "/)
  })
})

describe('bootstrap', () => {
  const serve = serverPool()
  const peers = testPeers(4)
  // one attempt; the timeout only guards against a hang (a local server answering slowly on a loaded machine must not
  // turn into an RpcTimeoutError)
  const fast = { timeoutMs: 10_000, retries: 0 }

  it('uses the first healthy node and does not contact the others', async () => {
    const a = await serve(fakeNode(peers, 7))
    const b = await serve(fakeNode(peers.slice(0, 2), 8))
    const result = await bootstrap([a.url, b.url], fast)
    expect(result.url).toBe(a.url)
    expect(result.height).toBe(7n)
    expect(result.peerstore.getPeerList()).toEqual(peers)
    expect(a.requests).toEqual(['/v1/health', '/v1/consensus/state', '/v1/p2p/staked_actors_address_book?height=7&actor_type=validator'])
    expect(b.requests).toEqual([])
  })

  it('accepts a CSV string', async () => {
    const a = await serve(fakeNode(peers))
    const result = await bootstrap(`  ${a.url} , http://unused:1 `, fast)
    expect(result.url).toBe(a.url)
  })

  it('falls back to the second node when the first is unhealthy', async () => {
    const sick = await serve((_req, res) => { res.writeHead(500).end() })
    const good = await serve(fakeNode(peers, 3))
    const failures: string[] = []
    const result = await bootstrap([sick.url, good.url], { ...fast, onNodeFailure: f => failures.push(f.target) })
    expect(result.url).toBe(good.url)
    expect(result.height).toBe(3n)
    expect(result.peerstore.size).toBe(4)
    expect(sick.requests).toEqual(['/v1/health'])
    expect(failures).toEqual([sick.url])
  })

  it('falls back when a healthy node answers garbage, or an empty staked set', async () => {
    const garbage = await serve((req, res) => {
      if (req.url === '/v1/health') res.writeHead(200).end(); else json(res, '<html>')
    })
    const empty = await serve(fakeNode([], 4))
    const good = await serve(fakeNode(peers, 5))
    const result = await bootstrap([garbage.url, empty.url, good.url], fast)
    expect(result.url).toBe(good.url)
  })

  it('all failing is one BootstrapError listing each URL and why', async () => {
    const down = await startServer(() => {})
    await down.close()
    const sick = await serve((_req, res) => { res.writeHead(503).end('maintenance') })
    const slow = await serve(() => {})
    const malformed = await serve((req, res) => { if (req.url === '/v1/health') res.writeHead(200).end(); else json(res, '{"height":') })
    const empty = await serve(fakeNode([], 4))
    const urls = [down.url, sick.url, slow.url, malformed.url, empty.url]
    // one timeout for every node: long enough for the ones that answer to do so on a loaded machine, short enough
    // that the one that never answers does not make the test slow
    const err = await rejection(bootstrap(urls, { timeoutMs: 2000, retries: 0 }))
    expect(err).toBeInstanceOf(BootstrapError)
    const { failures } = err as BootstrapError
    expect(failures.map(f => f.target)).toEqual(urls)
    expect(failures[0]?.error).toBeInstanceOf(RpcConnectionError)
    expect(failures[1]?.error).toBeInstanceOf(RpcHttpError)
    expect(failures[2]?.error).toBeInstanceOf(RpcTimeoutError)
    expect(failures[3]?.error).toBeInstanceOf(RpcResponseError)
    expect(failures[4]?.error).toBeInstanceOf(RpcResponseError)
    for (const url of urls) expect(err.message).toContain(`  - ${url}: `)
    expect(err.message).toContain('maintenance')
    expect(err.message).toContain('timed out after 2000 ms')
    expect(err.message).toContain('not valid JSON')
    expect(err.message).toContain('is empty')
    expect(err.cause).toBeInstanceOf(AggregateError)
  })

  it('reports the attempts made to each failed node, and logs its progress: each node tried, why it failed, the one chosen', async () => {
    const sick = await serve((_req, res) => { res.writeHead(503).end('maintenance') })
    const good = await serve(fakeNode(peers, 3))
    const logs = captureLogs()
    const failures: BootstrapFailure[] = []
    const result = await bootstrap(['ftp://x:1', sick.url, good.url], {
      timeoutMs: 10_000, retries: 1, retryDelayMs: 1, logger: logs.logger, onNodeFailure: f => failures.push(f)
    })
    expect(result.url).toBe(good.url)
    // the malformed URL was never asked; the sick node was asked twice (once, and the one retry)
    expect(failures.map(f => [f.target, f.attempts])).toEqual([['ftp://x:1', 0], [sick.url, 2]])
    expect(logs.lines.filter(l => l.text.startsWith('bootstrap: ')).map(l => l.text)).toEqual([
      'bootstrap: trying ftp://x:1',
      'bootstrap: ftp://x:1 failed after 0 attempt(s): invalid url: "ftp://x:1" must be an http:// or https:// URL',
      `bootstrap: trying ${sick.url}`,
      `bootstrap: ${sick.url} failed after 2 attempt(s): unexpected status code 503 from ${sick.url}/v1/health: maintenance`,
      `bootstrap: trying ${good.url}`,
      `bootstrap: chose ${good.url}: height 3, 4 staked peers`
    ])
  })

  it('counts its RPC requests in the metrics', async () => {
    const sick = await serve((_req, res) => { res.writeHead(503).end() })
    const good = await serve(fakeNode(peers, 3))
    const metrics = new MemoryMetrics()
    await bootstrap([sick.url, good.url], { timeoutMs: 10_000, retries: 1, retryDelayMs: 1, metrics })
    const requests = (outcome: string): number => metrics.value('pokt_providers_rpc_requests_total', outcome)
    // the sick node: a retried attempt, then a failed request; the good one: health, height and address book
    expect([requests('retried'), requests('failed'), requests('ok')]).toEqual([1, 1, 3])
  })

  it('an empty list is a BootstrapError too', async () => {
    expect(await rejection(bootstrap([]))).toBeInstanceOf(BootstrapError)
  })

  it('a malformed URL in a list is a per-node failure, not a crash', async () => {
    const good = await serve(fakeNode(peers))
    const result = await bootstrap(['ftp://x:1', good.url], fast)
    expect(result.url).toBe(good.url)
  })

  it('an invalid CSV throws before any request', async () => {
    expect(await rejection(bootstrap('udp://x:1'))).toBeInstanceOf(InvalidBootstrapNodeError)
  })

  it('the caller signal stops bootstrap without trying further nodes', async () => {
    const slow = await serve(() => {})
    const good = await serve(fakeNode(peers))
    const controller = new AbortController()
    const pending = rejection(bootstrap([slow.url, good.url], { timeoutMs: 60_000, retries: 0, signal: controller.signal }))
    // abort while the first node holds the request
    await waitFor(() => slow.requests.length === 1, { what: 'the request to the first node' })
    controller.abort()
    const err = await pending
    expect(err).toBeInstanceOf(RpcAbortedError)
    expect(good.requests).toEqual([])
  })

  it('bootstraps from another node of this project (rpcServer)', async () => {
    const local = staticProviders({ height: 21n, staked: peers })()
    const server = rpcServer()({ heightProvider: local, peerstoreProvider: local })
    await server.start()
    const url = server.url
    try {
      const dead = await startServer(() => {})
      await dead.close()
      const result = await bootstrap([dead.url, url], fast)
      expect(result).toMatchObject({ url, height: 21n })
      expect(result.peerstore.getPeerList()).toEqual(peers)
    } finally {
      await server.stop()
    }
  })
})
