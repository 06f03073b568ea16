import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { InvalidConfigError, NotStartedError, Peerstore, TypedEvents, type CurrentHeightEvents } from '@pokt-p2p/types'
import { captureLogs, waitFor } from '@pokt-p2p/testing'
import { rpcHandler, rpcServer, staticProviders, type RpcServer, type StaticProviders } from '../src/index.js'
import { startServer, testPeers } from './helpers.js'

interface Reply { status: number, body: string, type: string | undefined }

async function get (url: string, method = 'GET'): Promise<Reply> {
  return await new Promise((resolve, reject) => {
    // node:http, not fetch, so raw (unnormalised) request targets reach the server
    const u = new URL(url)
    const req = request({ host: u.hostname, port: u.port, path: url.slice(u.origin.length), method }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }) })
    })
    req.on('error', reject)
    req.end()
  })
}

const peers = testPeers(3)
let providers: StaticProviders
let server: RpcServer
let url: string

beforeEach(async () => {
  providers = staticProviders({ height: 75016n, staked: peers })()
  server = rpcServer({ maxUrlLength: 256 })({ heightProvider: providers, peerstoreProvider: providers })
  await server.start()
  url = server.url
})
afterEach(async () => { await server.stop() })

describe('rpcServer', () => {
  it('GET /v1/health → 200, empty body', async () => {
    expect(await get(`${url}/v1/health`)).toMatchObject({ status: 200, body: '' })
  })

  it('GET /v1/consensus/state and /v1/query/height → the height JSON', async () => {
    const state = await get(`${url}/v1/consensus/state`)
    expect(state.status).toBe(200)
    expect(state.type).toBe('application/json')
    expect(JSON.parse(state.body)).toEqual({ height: 75016, round: 0, step: 0 })
    expect(JSON.parse((await get(`${url}/v1/query/height`)).body)).toEqual({ height: 75016 })
  })

  it('writes int64 heights exactly', async () => {
    providers.setHeight((1n << 63n) - 1n)
    expect((await get(`${url}/v1/query/height`)).body).toBe('{"height":9223372036854775807}')
  })

  it('GET the address book → the reference JSON shape', async () => {
    const reply = await get(`${url}/v1/p2p/staked_actors_address_book?height=10&actor_type=validator`)
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.body)).toEqual({
      actors: peers.map(p => ({ type: 'validator', address: p.address, public_key: p.publicKey, service_url: p.serviceUrl })),
      height: 10
    })
  })

  it('the address book uses the current height when none is given, and asks the provider for that height', async () => {
    const asked: bigint[] = []
    const events = new TypedEvents<CurrentHeightEvents>()
    const s = rpcServer()({
      heightProvider: { events, currentHeight: async () => 77n },
      peerstoreProvider: {
        getStakedPeerstoreAtHeight: async h => { asked.push(h); return new Peerstore(peers.slice(0, 1)) },
        getUnstakedPeerstore: async () => new Peerstore()
      }
    })
    await s.start()
    const u = s.url
    try {
      expect(JSON.parse((await get(`${u}/v1/p2p/staked_actors_address_book?actor_type=validator`)).body).height).toBe(77)
      await get(`${u}/v1/p2p/staked_actors_address_book?actor_type=validator&height=5`)
      expect(asked).toEqual([77n, 5n])
    } finally {
      await s.stop()
    }
  })

  it('other actor types are valid but not staked here: empty list', async () => {
    for (const t of ['servicer', 'fisherman', 'application']) {
      const reply = await get(`${url}/v1/p2p/staked_actors_address_book?height=1&actor_type=${t}`)
      expect(reply.status).toBe(200)
      expect(JSON.parse(reply.body)).toEqual({ actors: [], height: 1 })
    }
  })

  it.each([
    ['?height=1', 'actor_type is required'],
    ['?height=1&actor_type=miner', 'invalid actor_type "miner"'],
    ['?height=1&actor_type=validator&actor_type=validator', 'actor_type given more than once'],
    ['?height=-1&actor_type=validator', 'invalid height "-1"'],
    ['?height=abc&actor_type=validator', 'invalid height "abc"'],
    ['?height=1.5&actor_type=validator', 'invalid height'],
    ['?height=&actor_type=validator', 'invalid height ""'],
    ['?height=9223372036854775808&actor_type=validator', 'invalid height'],
    ['?height=1&height=2&actor_type=validator', 'height given more than once']
  ])('the address book answers 400 to %s', async (query, message) => {
    const reply = await get(`${url}/v1/p2p/staked_actors_address_book${query}`)
    expect(reply.status).toBe(400)
    expect(reply.type).toMatch(/^text\/plain/)
    expect(reply.body).toContain(message)
  })

  it('404 for unknown paths, 405 for other methods, 414 for long URLs', async () => {
    expect((await get(`${url}/v1/nope`)).status).toBe(404)
    expect((await get(`${url}/`)).status).toBe(404)
    expect((await get(`${url}/v1/health`, 'POST')).status).toBe(405)
    expect((await get(`${url}/v1/health?${'x'.repeat(300)}`)).status).toBe(414)
  })

  it('a failing provider is a 500 with its message, and the server keeps serving', async () => {
    providers.setStaked(() => { throw new Error('storage unavailable') })
    const reply = await get(`${url}/v1/p2p/staked_actors_address_book?height=1&actor_type=validator`)
    expect(reply).toMatchObject({ status: 500, body: 'storage unavailable\n' })
    expect((await get(`${url}/v1/health`)).status).toBe(200)
  })

  it('a 500 is logged with the request and the provider error', async () => {
    const logs = captureLogs()
    const s = rpcServer()({ heightProvider: providers, peerstoreProvider: providers, logger: logs.logger })
    await s.start()
    try {
      providers.setStaked(() => { throw new Error('storage unavailable') })
      expect((await get(`${s.url}/v1/p2p/staked_actors_address_book?height=1&actor_type=validator`)).status).toBe(500)
      expect(logs.lines.filter(l => l.namespace === 'pokt:providers:error').map(l => l.text)).toEqual([
        'GET /v1/p2p/staked_actors_address_book?height=1&actor_type=validator answered 500: storage unavailable'
      ])
    } finally {
      await s.stop()
    }
  })

  it('url throws before start and after stop; start and stop are idempotent', async () => {
    const s = rpcServer({ port: 0, host: '127.0.0.1' })({ heightProvider: providers, peerstoreProvider: providers })
    expect(() => s.url).toThrow(NotStartedError)
    expect(s.isStarted()).toBe(false)
    await s.start()
    const u = s.url
    await s.start()
    expect(s.url).toBe(u)
    expect(s.isStarted()).toBe(true)
    expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await s.stop()
    await s.stop()
    expect(s.isStarted()).toBe(false)
    expect(() => s.url).toThrow(NotStartedError)
  })

  it('start rejects when the port is taken', async () => {
    const port = Number(new URL(url).port)
    const s = rpcServer({ port, host: '127.0.0.1' })({ heightProvider: providers, peerstoreProvider: providers })
    await expect(s.start()).rejects.toThrow(/EADDRINUSE/)
    expect(s.isStarted()).toBe(false)
  })

  it('rejects a bad port or URL limit', () => {
    const components = { heightProvider: providers, peerstoreProvider: providers }
    expect(() => rpcServer({ port: 65536 })(components)).toThrow(InvalidConfigError)
    expect(() => rpcServer({ port: -1 })(components)).toThrow(/port/)
    expect(() => rpcServer({ maxUrlLength: 0 })(components)).toThrow(/maxUrlLength/)
  })

  it('stop() does not wait for hanging requests', async () => {
    let asked = false
    const s = rpcServer()({
      heightProvider: { events: new TypedEvents<CurrentHeightEvents>(), currentHeight: async () => { asked = true; return await new Promise<bigint>(() => {}) } },
      peerstoreProvider: providers
    })
    await s.start()
    const pending = get(`${s.url}/v1/consensus/state`).catch(err => err as Error)
    // close once the request is hanging in the server
    await waitFor(() => asked, { what: 'the request to reach the height provider' })
    await s.stop()
    expect(await pending).toMatchObject({ code: 'ECONNRESET' })
  })

  it('rpcHandler plugs into any node:http server', async () => {
    const s = await startServer(rpcHandler()({ heightProvider: providers, peerstoreProvider: providers }))
    try {
      expect(JSON.parse((await get(`${s.url}/v1/query/height`)).body)).toEqual({ height: 75016 })
    } finally {
      await s.close()
    }
  })
})
