import { afterEach } from '@jest/globals'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPeer, type Peer } from '@pokt-p2p/types'
import { testIdentities } from '@pokt-p2p/testing'

export interface TestServer {
  url: string
  /** request targets seen, in order */
  requests: string[]
  close: () => Promise<void>
}

/** A real node:http server on 127.0.0.1, port 0. */
export async function startServer (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    handler(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      await new Promise<void>(resolve => {
        server.close(() => { resolve() })
        server.closeAllConnections()
      })
    }
  }
}

export function json (res: ServerResponse, body: unknown, status = 200): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json' }).end(text)
}

/** Deterministic test peers (`testIdentities(n)`, in address order) on 127.0.0.1:42069+i. */
export function testPeers (n: number): Peer[] {
  return testIdentities(n).map((id, i) => createPeer(id.publicKey, `127.0.0.1:${42069 + i}`))
}

export function addressBook (peers: Peer[], height = 1): unknown {
  return {
    actors: peers.map(p => ({ type: 'validator', address: p.address, public_key: p.publicKey, service_url: p.serviceUrl })),
    height
  }
}

/** A fake Pocket node serving the three endpoints bootstrap uses. */
export function fakeNode (peers: Peer[], height = 7): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (path === '/v1/health') { res.writeHead(200).end(); return }
    if (path === '/v1/consensus/state') { json(res, { height, round: 0, step: 3 }); return }
    if (path === '/v1/p2p/staked_actors_address_book') { json(res, addressBook(peers, height)); return }
    res.writeHead(404).end()
  }
}

/** Rejection of `p` (fails the test if it resolves). */
export async function rejection (p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

/**
 * `serve(handler)` starts a real test server that is closed after each test of the calling describe block (or file).
 */
export function serverPool (): (handler: (req: IncomingMessage, res: ServerResponse) => void) => Promise<TestServer> {
  const servers: TestServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(async s => { await s.close() }))
  })
  return async handler => {
    const s = await startServer(handler)
    servers.push(s)
    return s
  }
}
