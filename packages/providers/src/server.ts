import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Lifecycle, NotStartedError, integerOption, type CurrentHeightProvider, type Logger, type PeerstoreProvider, type Startable
} from '@pokt-p2p/types'
import { instruments, type ProviderComponents } from './components.js'
import { RPC_PATHS } from './rpc.js'
import { MAX_HEIGHT } from './validate.js'

/** Actor types the reference address-book endpoint accepts. Only `validator` is staked here (reference #818). */
export const ACTOR_TYPES = ['validator', 'servicer', 'fisherman', 'application'] as const

/** What the RPC handler and server answer from, and where they log. */
export interface RpcServerComponents extends ProviderComponents {
  /** Answers `/v1/consensus/state`, `/v1/query/height`, and the address book when no `height` is given. */
  heightProvider: CurrentHeightProvider
  /** Answers the address book: its staked peerstore at the height is the list of validators. */
  peerstoreProvider: PeerstoreProvider
}

/** Limits of the RPC handler. */
export interface RpcHandlerInit {
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
 * failing provider 500 (all `text/plain`; a 500 is logged).
 *
 * @example
 * ```ts
 * const server = createServer(rpcHandler()({ heightProvider: local, peerstoreProvider: local }))
 * ```
 */
export function rpcHandler (init: RpcHandlerInit = {}): (components: RpcServerComponents) => RpcRequestHandler {
  return components => createHandler(components, init)
}

function createHandler (components: RpcServerComponents, init: RpcHandlerInit): RpcRequestHandler {
  const { heightProvider, peerstoreProvider } = components
  const { log } = instruments(components)
  const maxUrlLength = integerOption('maxUrlLength', init.maxUrlLength ?? 2048, { min: 1 })

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
      const message = err instanceof Error ? err.message : String(err)
      // a provider cut short because the client went away is not a failure of this server
      if (aborter.signal.aborted) log('%s %s: the client left: %s', req.method, clipTarget(req.url), message)
      else log.error('%s %s answered 500: %s', req.method, clipTarget(req.url), message)
      send(res, 500, `${message}\n`)
    })
  }
}

function clipTarget (target: string | undefined): string {
  const t = target ?? '/'
  return t.length <= 200 ? t : `${t.slice(0, 200)}…`
}

/** Options of {@link rpcServer}: where to listen, and the handler's limits. */
export interface RpcServerInit extends RpcHandlerInit {
  /**
   * TCP port to listen on; 0 picks a free one (read it from {@link RpcServer.url}). A node listens on 50832.
   * @default 0
   */
  port?: number
  /**
   * Address to listen on; `0.0.0.0` for every interface.
   * @default '127.0.0.1'
   */
  host?: string
}

/**
 * An HTTP server serving {@link rpcHandler}, so other nodes of this project can bootstrap from this one. `start()`
 * listens, `stop()` closes every open connection too.
 */
export class RpcServer implements Startable {
  /** The underlying `node:http` server. */
  readonly server: Server
  readonly #port: number
  readonly #host: string
  readonly #lifecycle: Lifecycle
  readonly #log: Logger
  #url: string | undefined

  /**
   * @param components - the providers it answers from, where to log
   * @param init - where to listen, the handler's limits
   * @throws {InvalidConfigError} for an invalid port or limit
   */
  constructor (components: RpcServerComponents, init: RpcServerInit = {}) {
    this.#port = integerOption('port', init.port ?? 0, { min: 0, max: 65535 })
    this.#host = init.host ?? '127.0.0.1'
    this.#log = instruments(components).log
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, createHandler(components, init))
    this.#lifecycle = new Lifecycle({
      start: async () => { await this.#listen() },
      stop: async () => { await this.#close() }
    })
  }

  /** The base URL, e.g. `http://127.0.0.1:50832`. @throws {NotStartedError} when not listening */
  get url (): string {
    if (this.#url === undefined) throw new NotStartedError('the RPC server is not listening')
    return this.#url
  }

  /** Listens on `host:port`; rejects when it cannot (e.g. `EADDRINUSE`). */
  async start (): Promise<void> {
    await this.#lifecycle.start()
  }

  /** Stops listening and closes every open connection (hanging requests included). */
  async stop (): Promise<void> {
    await this.#lifecycle.stop()
  }

  /** Whether the server is listening. */
  isStarted (): boolean {
    return this.#lifecycle.isStarted()
  }

  async #listen (): Promise<void> {
    const server = this.server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.#host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address() as AddressInfo
    const h = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address
    this.#url = `http://${h}:${address.port}`
    this.#log('RPC server listening on %s', this.#url)
  }

  async #close (): Promise<void> {
    this.#url = undefined
    if (!this.server.listening) return
    await new Promise<void>((resolve) => {
      this.server.close(() => { resolve() })
      this.server.closeAllConnections()
    })
    this.#log('RPC server stopped')
  }
}

/**
 * An RPC server for other nodes of this project to bootstrap from; see {@link RpcServer}.
 *
 * @example
 * ```ts
 * const local = staticProviders({ height: 1n, staked: peers })()
 * const server = rpcServer({ port: 50832, host: '0.0.0.0' })({ heightProvider: local, peerstoreProvider: local })
 * await server.start()
 * server.url // 'http://0.0.0.0:50832'
 * // … later
 * await server.stop()
 * ```
 */
export function rpcServer (init: RpcServerInit = {}): (components: RpcServerComponents) => RpcServer {
  return components => new RpcServer(components, init)
}
