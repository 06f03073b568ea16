import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fuzzRuns } from '@pokt-p2p/testing'
import { mutatedText } from '../../../test-support/fuzz-inputs.js'
import { Peerstore, PocketP2PError } from '@pokt-p2p/types'
import {
  RpcConnectionError, RpcTimeoutError, rpcCurrentHeightProvider, rpcPeerstoreProvider, rpcServer, staticProviders,
  type RpcServer
} from '../src/index.js'
import { addressBook, startServer, testPeers, type TestServer } from './helpers.js'

// One real server whose next response body the property sets; every run is a real HTTP round trip.
let body = ''
let server: TestServer
beforeAll(async () => {
  server = await startServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(body) })
})
afterAll(async () => { await server.close() })

const peers = testPeers(3)
const validBook = JSON.stringify(addressBook(peers, 9))

/** A valid body with one character replaced, inserted or deleted, or a JSON value spliced in. */
const mutatedBook = mutatedText(validBook)

const hex40 = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 40, maxLength: 40 })

/** Random JSON values, and structurally plausible books with random field values. */
const randomBook = fc.record({
  actors: fc.oneof(fc.constant(null), fc.array(fc.oneof(
    fc.record({ type: fc.string(), address: fc.oneof(fc.string(), hex40), public_key: fc.string(), service_url: fc.string() }, { requiredKeys: [] }),
    fc.jsonValue()
  ), { maxLength: 4 }), fc.jsonValue()),
  height: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(undefined))
}, { requiredKeys: [] }).map(v => JSON.stringify(v))

const bodies = fc.oneof(mutatedBook, randomBook, fc.json(), fc.string({ maxLength: 64 }), fc.constant(validBook))

// the timeout only guards against a hang: a run that timed out (or could not connect) tested nothing about the body
const opts = { timeoutMs: 10_000, retries: 0, maxResponseBytes: 4096 }

/** A typed rejection about the body, not a failure to get one. */
function expectBodyError (err: unknown): void {
  expect(err).toBeInstanceOf(PocketP2PError)
  expect(err).not.toBeInstanceOf(RpcTimeoutError)
  expect(err).not.toBeInstanceOf(RpcConnectionError)
}

describe('fuzz: RPC providers on random and mutated bodies from a real server', () => {
  it('the peerstore provider resolves with a valid peerstore or rejects with a typed error', async () => {
    const psp = rpcPeerstoreProvider({ url: server.url, ...opts })()
    await fc.assert(fc.asyncProperty(bodies, async b => {
      body = b
      try {
        const pstore = await psp.getStakedPeerstoreAtHeight(9n)
        expect(pstore).toBeInstanceOf(Peerstore)
        for (const p of pstore) {
          expect(p.address).toMatch(/^[0-9a-f]{40}$/)
          expect(p.publicKey).toMatch(/^[0-9a-f]{64}$/)
        }
      } catch (err) {
        expectBodyError(err)
      }
    }), { numRuns: fuzzRuns(300) })
  })

  it('the height provider resolves with a non-negative bigint or rejects with a typed error', async () => {
    const chp = rpcCurrentHeightProvider({ url: server.url, ...opts })()
    const heights = fc.oneof(
      fc.json(),
      fc.jsonValue().map(height => JSON.stringify({ height, round: 0, step: 3 })),
      fc.string({ maxLength: 32 }).map(s => `{"height":${s}}`)
    )
    await fc.assert(fc.asyncProperty(heights, async b => {
      body = b
      try {
        const h = await chp.currentHeight()
        expect(typeof h).toBe('bigint')
        expect(h >= 0n).toBe(true)
      } catch (err) {
        expectBodyError(err)
      }
    }), { numRuns: fuzzRuns(300) })
  })

  it('oversized bodies are always rejected', async () => {
    const psp = rpcPeerstoreProvider({ url: server.url, ...opts })()
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 4097, maxLength: 6000 }), async b => {
      body = b
      await expect(psp.getStakedPeerstoreAtHeight(9n)).rejects.toMatchObject({ name: 'ResponseTooLargeError' })
    }), { numRuns: 20 })
  })
})

describe('fuzz: the RPC server on random request targets', () => {
  let rpc: RpcServer
  let port: number
  beforeAll(async () => {
    const local = staticProviders({ height: 5n, staked: peers })()
    rpc = rpcServer()({ heightProvider: local, peerstoreProvider: local })
    await rpc.start()
    port = Number(new URL(rpc.url).port)
  })
  afterAll(async () => { await rpc.stop() })

  async function status (path: string): Promise<number> {
    return await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path }, res => { res.resume(); res.on('end', () => { resolve(res.statusCode ?? 0) }) })
      req.on('error', reject)
      req.end()
    })
  }

  it('answers 200/400/404/414, never 5xx, and keeps serving', async () => {
    const base = '/v1/p2p/staked_actors_address_book'
    const safe = (s: string): string => encodeURI(s).replace(/#/g, '%23')
    const target = fc.oneof(
      fc.tuple(fc.string(), fc.string()).map(([h, t]) => `${base}?height=${encodeURIComponent(h)}&actor_type=${encodeURIComponent(t)}`),
      fc.tuple(fc.bigInt({ min: -10n, max: 1n << 64n }), fc.constantFrom('validator', 'servicer', 'x', '')).map(([h, t]) => `${base}?height=${h}&actor_type=${t}`),
      fc.string().map(s => `/${safe(s)}`),
      fc.string().map(s => `${base}?${safe(s)}`)
    )
    await fc.assert(fc.asyncProperty(target, async path => {
      expect([200, 400, 404, 414]).toContain(await status(path))
    }), { numRuns: fuzzRuns(300) })
    expect(await status('/v1/health')).toBe(200)
  })
})
