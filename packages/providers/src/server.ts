import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NotStartedError, type CurrentHeightProvider, type PeerstoreProvider } from '@pokt-p2p/types'
import { RPC_PATHS } from './rpc.js'
import { MAX_HEIGHT } from './validate.js'

/** Actor types the reference address-book endpoint accepts. Only `validator` is staked here (reference #818). */
export const ACTOR_TYPES = ['validator', 'servicer', 'fisherman', 'application'] as const

/** What the RPC handler answers from, and its limits. */
export interface RpcHandlerInit {
  /** Answers `/v1/consensus/state`, `/v1/query/height`, and the address book when no `height` is given. */
  heightProvider: CurrentHeightProvider
  /** Answers the address book: its staked peerstore at the height is the list of validators. */
  peerstoreProvider: PeerstoreProvider
  /**
   * Longest accepted request target (path and query); longer ones get 414.
   * @default 2048
   */
  maxUrlLength?: number
}

/** A `node:http` request listener. */
export type RpcRequestHandler = (req: IncomingMessage, res: ServerResponse) => void

function send (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra })
  res.end(body)
}

function sendJson (res: ServerResponse, body: string): void {
  send(res, 200, body, 'application/json')
}

/**
 * A request handler serving the reference RPC endpoints P2P nodes bootstrap from:
 *
 * | Endpoint | 200 response |
 * |---|---|
 * | `GET /v1/health` | empty |
 * | `GET /v1/consensus/state` | `{"height":H,"round":0,"step":0}` |
 * | `GET /v1/query/height` | `{"height":H}` |
 * | `GET /v1/p2p/staked_actors_address_book?height=H&actor_type=T` | `{"actors":[{"type":"validator","address","public_key","service_url"}],"height":H}` |
 *
 * `height` is optional (default: current height) and must be an integer in [0, 2^63-1]; `actor_type` is required
 * (the reference server panicked without it) and one of {@link ACTOR_TYPES}; anything else is a 400. Only validators
 * are staked, so other actor types get an empty list. Unknown paths are 404, other methods 405, long URLs 414, and a
 * failing provider 500 (all `text/plain`).
 */
export function createRpcHandler (init: RpcHandlerInit): RpcRequestHandler {
  const { heightProvider, peerstoreProvider } = init
  const maxUrlLength = init.maxUrlLength ?? 2048

  const handle = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    const target = req.url ?? '/'
    if (target.length > maxUrlLength) { send(res, 414, `request URL longer than ${maxUrlLength} characters\n`); return }
    let url: URL
    try {
      url = new URL(target, 'http://localhost')
    } catch {
      send(res, 400, 'bad request URL\n'); return
    }
    const known = Object.values(RPC_PATHS) as string[]
    if (!known.includes(url.pathname)) { send(res, 404, 'not found\n'); return }
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(res, 405, 'method not allowed\n', undefined, { allow: 'GET, HEAD' }); return }

    switch (url.pathname) {
      case RPC_PATHS.health:
        res.writeHead(200, { 'content-length': 0 }).end()
        return
      case RPC_PATHS.consensusState: {
        const h = await heightProvider.currentHeight({ signal })
        sendJson(res, `{"height":${h.toString()},"round":0,"step":0}`)
        return
      }
      case RPC_PATHS.queryHeight: {
        const h = await heightProvider.currentHeight({ signal })
        sendJson(res, `{"height":${h.toString()}}`)
        return
      }
      default: { // staked actors address book
        const heights = url.searchParams.getAll('height')
        const types = url.searchParams.getAll('actor_type')
        if (heights.length > 1) { send(res, 400, 'height given more than once\n'); return }
        if (types.length !== 1) { send(res, 400, types.length === 0 ? 'actor_type is required\n' : 'actor_type given more than once\n'); return }
        const actorType = types[0] as string
        if (!(ACTOR_TYPES as readonly string[]).includes(actorType)) {
          send(res, 400, `invalid actor_type ${JSON.stringify(actorType.slice(0, 64))}: expected one of ${ACTOR_TYPES.join(', ')}\n`); return
        }
        let height: bigint
        const given = heights[0]
        if (given === undefined) {
          height = await heightProvider.currentHeight({ signal })
        } else {
          if (!/^\d{1,19}$/.test(given) || BigInt(given) > MAX_HEIGHT) {
            send(res, 400, `invalid height ${JSON.stringify(given.slice(0, 64))}: expected an integer in [0, 2^63-1]\n`); return
          }
          height = BigInt(given)
        }
        const peers = actorType === 'validator' ? (await peerstoreProvider.getStakedPeerstoreAtHeight(height, { signal })).getPeerList() : []
        const actors = peers.map(p => ({ type: 'validator', address: p.address, public_key: p.publicKey, service_url: p.serviceUrl }))
        sendJson(res, `{"actors":${JSON.stringify(actors)},"height":${height.toString()}}`)
      }
    }
  }

  return (req, res) => {
    const aborter = new AbortController()
    res.on('close', () => { aborter.abort() })
    handle(req, res, aborter.signal).catch((err: unknown) => {
      send(res, 500, `${err instanceof Error ? err.message : String(err)}\n`)
    })
  }
}

/** An HTTP server serving {@link createRpcHandler}. */
export interface RpcServer {
  /** Listens (default: an ephemeral port on 127.0.0.1); resolves with the base URL, e.g. `http://127.0.0.1:50832`. */
  listen (port?: number, host?: string): Promise<string>
  /** Stops listening and closes every open connection. Idempotent. */
  close (): Promise<void>
  /** The base URL; throws when not listening. */
  readonly url: string
  /** The underlying `node:http` server. */
  readonly server: Server
}

/**
 * An RPC server for other nodes of this project to bootstrap from.
 *
 * @example
 * ```ts
 * const providers = staticProviders({ height: 1n, staked: peers })
 * const server = createRpcServer({ heightProvider: providers, peerstoreProvider: providers })
 * const url = await server.listen(50832, '0.0.0.0')
 * // … later
 * await server.close()
 * ```
 */
export function createRpcServer (init: RpcHandlerInit): RpcServer {
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, createRpcHandler(init))
  let url: string | undefined
  return {
    server,
    get url (): string {
      if (url === undefined) throw new NotStartedError('the RPC server is not listening')
      return url
    },
    async listen (port = 0, host = '127.0.0.1'): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
      const address = server.address() as AddressInfo
      const h = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address
      url = `http://${h}:${address.port}`
      return url
    },
    async close (): Promise<void> {
      url = undefined
      if (!server.listening) return
      await new Promise<void>((resolve) => {
        server.close(() => { resolve() })
        server.closeAllConnections()
      })
    }
  }
}
