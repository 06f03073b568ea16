import { Peerstore, type AbortOptions, type BootstrapFailure } from '@pokt-p2p/types'
import { instruments, type ProviderComponents } from './components.js'
import { BootstrapError, InvalidBootstrapNodeError, RpcAbortedError, RpcResponseError } from './errors.js'
import { RpcClient, normalizeBaseUrl, type RpcClientOptions } from './http.js'
import { RPC_PATHS, parseAddressBookResponse, parseHeightResponse } from './rpc.js'

/** Reference `DefaultP2PBootstrapNodesCsv`. */
export const DEFAULT_BOOTSTRAP_NODES_CSV = 'http://validator1:50832,http://validator-001-pocket:50832'

const BOOTSTRAP_NODE = /^(https?):\/\/([a-zA-Z0-9.-]+):(\d{1,5})$/

/** Go `strings.Trim(s, " ")`: spaces only, not tabs or newlines. */
function trimSpaces (s: string): string {
  return s.replace(/^ +| +$/g, '')
}

/**
 * The first record of `csv` as Go's `encoding/csv` reads it (default settings): empty lines are skipped, fields may be
 * double-quoted (`""` is a quote, quoted fields may span lines), a bare `"` in an unquoted field is an error.
 * Returns undefined when there is no record (Go: `io.EOF`).
 */
function firstCsvRecord (csv: string): string[] | undefined {
  let i = 0
  const n = csv.length
  // skip empty lines ("\n" or "\r\n")
  for (;;) {
    if (csv.startsWith('\r\n', i)) i += 2
    else if (csv[i] === '\n') i += 1
    else break
  }
  if (i >= n) return undefined
  const fields: string[] = []
  for (;;) {
    let field = ''
    if (csv[i] === '"') {
      i++
      for (;;) {
        if (i >= n) throw new InvalidBootstrapNodeError(csv, 'error parsing bootstrap nodes: extraneous or missing " in quoted-field')
        const c = csv[i] as string
        if (c === '"') {
          if (csv[i + 1] === '"') { field += '"'; i += 2; continue }
          i++
          break
        }
        if (c === '\r' && csv[i + 1] === '\n') { field += '\n'; i += 2; continue }
        field += c
        i++
      }
      if (i < n && csv[i] !== ',' && csv[i] !== '\n' && !csv.startsWith('\r\n', i)) {
        throw new InvalidBootstrapNodeError(csv, 'error parsing bootstrap nodes: extraneous or missing " in quoted-field')
      }
    } else {
      while (i < n && csv[i] !== ',' && csv[i] !== '\n' && !csv.startsWith('\r\n', i)) {
        if (csv[i] === '"') throw new InvalidBootstrapNodeError(csv, 'error parsing bootstrap nodes: bare " in non-quoted-field')
        field += csv[i]
        i++
      }
    }
    fields.push(field)
    if (csv[i] === ',') { i++; continue }
    return fields
  }
}

/**
 * Parses `bootstrap_nodes_csv` with the reference rule (`configureBootstrapNodes`): the string is trimmed of spaces
 * (empty ⇒ {@link DEFAULT_BOOTSTRAP_NODES_CSV}), only the first CSV record is read, each field is trimmed of spaces and
 * must be `http(s)://host:port` (host of letters, digits, `.` and `-`; no path, no trailing slash, lowercase scheme).
 * Unlike the reference, port 0 is rejected too (ports must be 1..65535).
 *
 * @throws {InvalidBootstrapNodeError} for a CSV without a record (e.g. `"\n\n"`) or an invalid node
 * @example
 * ```ts
 * parseBootstrapNodes('  http://a:50832 , https://b.example:443 ') // ['http://a:50832', 'https://b.example:443']
 * parseBootstrapNodes('') // ['http://validator1:50832', 'http://validator-001-pocket:50832']
 * ```
 */
export function parseBootstrapNodes (csv: string | undefined): string[] {
  let text = trimSpaces(csv ?? '')
  if (text === '') text = DEFAULT_BOOTSTRAP_NODES_CSV
  const record = firstCsvRecord(text)
  if (record === undefined) throw new InvalidBootstrapNodeError(text, 'error parsing bootstrap nodes: EOF (no CSV record)')
  return record.map(raw => {
    const node = trimSpaces(raw)
    const m = BOOTSTRAP_NODE.exec(node)
    if (m === null) throw new InvalidBootstrapNodeError(node, 'expected http(s)://host:port')
    const port = Number(m[3])
    if (port < 1 || port > 65535) throw new InvalidBootstrapNodeError(node, `port ${port} is out of range 1..65535`)
    return node
  })
}

/** Options of {@link bootstrap}: the RPC client's, a signal, where to log and count, and a failure callback. */
export interface BootstrapOptions extends RpcClientOptions, AbortOptions, ProviderComponents {
  /**
   * Timeout of the `/v1/health` check of each node (the reference had none).
   * @default the `timeoutMs` option (5000)
   */
  healthTimeoutMs?: number
  /**
   * Called after each node that failed (`target`: its URL; `attempts`: the requests made to it), before the next is
   * tried.
   * @default undefined
   */
  onNodeFailure?: (failure: BootstrapFailure) => void
}

/** What {@link bootstrap} got from the first usable node. */
export interface BootstrapResult {
  /** the node's base URL */
  url: string
  /** its current height (`/v1/consensus/state`) */
  height: bigint
  /** its staked validators at `height` (never empty) */
  peerstore: Peerstore
}

/**
 * Tries each bootstrap node in order: `GET /v1/health`, then the current height, then the staked address book at that
 * height. The first node that answers all three with a non-empty staked set wins and the rest are not contacted (the
 * reference never stopped, and panicked when all failed). `urls` is a list or a `bootstrap_nodes_csv` string (parsed
 * with {@link parseBootstrapNodes}). The caller's `signal` aborting stops everything with `RpcAbortedError`. Logs each
 * node it tries, each that failed and why, and the one it chose.
 *
 * @throws {BootstrapError} listing every URL and why it failed, when none succeeded
 * @example
 * ```ts
 * const { url, height, peerstore } = await bootstrap('http://node1:50832,http://node2:50832', { timeoutMs: 2000 })
 * ```
 */
export async function bootstrap (urls: string | readonly string[], options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const nodes = typeof urls === 'string' ? parseBootstrapNodes(urls) : urls
  const { log } = instruments(options)
  const failures: BootstrapFailure[] = []
  for (const url of nodes) {
    let attempts = 0
    const request = { signal: options.signal, onAttempt: () => { attempts++ } }
    log('bootstrap: trying %s', url)
    try {
      const base = normalizeBaseUrl(url)
      const health = new RpcClient(options, { ...options, timeoutMs: options.healthTimeoutMs ?? options.timeoutMs })
      await health.get(`${base}${RPC_PATHS.health}`, () => {}, request)
      const client = new RpcClient(options, options)
      const state = `${base}${RPC_PATHS.consensusState}`
      const height = await client.getJson(state, json => parseHeightResponse(json, state), request)
      const book = `${base}${RPC_PATHS.stakedActorsAddressBook}?height=${height.toString()}&actor_type=validator`
      const peerstore = new Peerstore(await client.getJson(book, json => parseAddressBookResponse(json, book), request))
      if (peerstore.size === 0) throw new RpcResponseError(url, `the staked address book at height ${height} is empty`)
      log('bootstrap: chose %s: height %s, %d staked peers', url, height, peerstore.size)
      return { url, height, peerstore }
    } catch (err) {
      if (err instanceof RpcAbortedError || options.signal?.aborted === true) throw err
      const failure: BootstrapFailure = { target: url, attempts, error: err instanceof Error ? err : new Error(String(err)) }
      log.error('bootstrap: %s failed after %d attempt(s): %s', url, attempts, failure.error.message)
      failures.push(failure)
      options.onNodeFailure?.(failure)
    }
  }
  throw new BootstrapError(failures)
}
