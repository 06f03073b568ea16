import { writeFile } from 'node:fs/promises'
import { InvalidConfigError, Peerstore, type AbortOptions, type Peer, type PeerstoreProvider } from '@pokt-p2p/types'
import { instruments, type ProviderComponents } from './components.js'
import { GenesisFileError } from './errors.js'
import { readRegularTextFile } from './file.js'
import { actorEntriesToPeers, describe } from './validate.js'

/** One validator of a genesis file (snake_case keys, as the reference RPC JSON). */
export interface GenesisValidatorJson {
  /** 40 hex characters; must be the address of `public_key` */
  address: string
  /** 64 hex characters (ed25519) */
  public_key: string
  /** scheme-less `host:port`, port 1..65535 */
  service_url: string
}

/** The JSON document of a genesis file. */
export interface GenesisFileJson {
  /** the staked validators */
  validators: GenesisValidatorJson[]
  /** the height this validator set starts at */
  height?: number
}

/** A validated genesis file. */
export interface Genesis {
  /** the validators, in file order, keys and addresses lowercased */
  validators: Peer[]
  /** `height` of the file, `undefined` when absent */
  height?: bigint
}

const TOP_LEVEL_KEYS = new Set(['validators', 'height'])
const ENTRY_KEYS = new Set(['address', 'public_key', 'service_url'])

/**
 * Validates a parsed genesis document. `source` names the file in errors.
 * @throws {GenesisFileError} naming the file, the validator index and the field of the first problem
 */
export function parseGenesis (json: unknown, source: string): Genesis {
  const fail = (reason: string, index?: number, field?: string): never => {
    throw new GenesisFileError(source, reason, { index, field })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail(`expected a JSON object, got ${describe(json)}`)
  const doc = json as Record<string, unknown>
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail('unknown key (expected "validators" and optionally "height")', undefined, key)
  }
  let height: bigint | undefined
  if (doc.height !== undefined) {
    if (typeof doc.height !== 'number' || !Number.isSafeInteger(doc.height) || doc.height < 0) {
      fail(`expected a non-negative integer, got ${describe(doc.height)}`, undefined, 'height')
    }
    height = BigInt(doc.height as number)
  }
  const validators = doc.validators
  if (validators === undefined) return fail('is missing', undefined, 'validators')
  if (!Array.isArray(validators)) return fail(`expected an array, got ${describe(validators)}`, undefined, 'validators')
  if (validators.length === 0) return fail('must list at least one validator', undefined, 'validators')
  validators.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) fail('unknown key (expected address, public_key, service_url)', index, key)
    }
  })
  const peers = actorEntriesToPeers(validators, fail)
  return height === undefined ? { validators: peers } : { validators: peers, height }
}

/** Parses the text of a genesis file. @throws {GenesisFileError} */
export function parseGenesisText (text: string, source: string): Genesis {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new GenesisFileError(source, `not valid JSON: ${(err as Error).message}`, {}, { cause: err })
  }
  return parseGenesis(json, source)
}

/**
 * Cap on a genesis file's length: 16 MiB, ~80,000 validators at ~200 bytes each, many times any real network, so a
 * wrong path (`/dev/zero` is refused anyway as not a regular file) cannot take more memory than that.
 */
export const MAX_GENESIS_FILE_BYTES = 16 * 1024 * 1024

/** Options of {@link loadGenesisFile}: a signal, where to log, and a length cap. */
export interface LoadGenesisFileOptions extends AbortOptions, ProviderComponents {
  /**
   * Refuse a file longer than this many bytes.
   * @default MAX_GENESIS_FILE_BYTES (16 MiB): ~80,000 validators
   */
  maxBytes?: number
}

/**
 * Reads and validates a genesis file; logs what it loaded, or why it could not. Only a regular file of at most
 * `maxBytes` is read (`readRegularFile`).
 * @throws {GenesisFileError} (also when the file cannot be read: its `cause` is the reader's typed error)
 */
export async function loadGenesisFile (path: string, options: LoadGenesisFileOptions = {}): Promise<Genesis> {
  const { log } = instruments(options)
  let genesis: Genesis
  try {
    let text: string
    try {
      text = await readRegularTextFile(path, { maxBytes: options.maxBytes ?? MAX_GENESIS_FILE_BYTES, ...(options.signal === undefined ? {} : { signal: options.signal }) })
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      // the reader's message starts "cannot read <path>: " already
      throw new GenesisFileError(path, (err as Error).message.replace(`cannot read ${path}: `, 'cannot read: '), {}, { cause: err })
    }
    genesis = parseGenesisText(text, path)
  } catch (err) {
    if (err instanceof GenesisFileError) log.error('%s', err.message)
    throw err
  }
  log('genesis file %s: %d validators, height %s', path, genesis.validators.length, genesis.height ?? 'not given')
  return genesis
}

/** Options of {@link genesisFromPeers}. */
export interface GenesisFromPeersOptions {
  /**
   * The height the set starts at, written as `height`.
   * @default undefined (no `height` key)
   */
  height?: bigint
}

/** Options of {@link writeGenesisFile}: the document's, a signal, and where to log. */
export interface WriteGenesisFileOptions extends GenesisFromPeersOptions, AbortOptions, ProviderComponents {}

/**
 * The genesis document of `peers` (validated as a loaded file would be, so a written file always loads).
 * @throws {GenesisFileError} (source `<generated>`) for a peer whose address does not match its key, a bad service
 * URL or a duplicate
 */
export function genesisFromPeers (peers: Iterable<Peer>, options: GenesisFromPeersOptions = {}): GenesisFileJson {
  const doc: GenesisFileJson = {
    validators: [...peers].map(p => ({ address: p.address, public_key: p.publicKey, service_url: p.serviceUrl }))
  }
  if (options.height !== undefined) {
    if (options.height < 0n || options.height > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new GenesisFileError('<generated>', `expected a height in [0, 2^53-1], got ${options.height}`, { field: 'height' })
    }
    doc.height = Number(options.height)
  }
  parseGenesis(doc, '<generated>')
  return doc
}

/** Writes `peers` as a genesis file (pretty JSON, trailing newline). @throws {GenesisFileError} as {@link genesisFromPeers} */
export async function writeGenesisFile (path: string, peers: Iterable<Peer>, options: WriteGenesisFileOptions = {}): Promise<void> {
  const doc = genesisFromPeers(peers, options)
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`, { encoding: 'utf8', signal: options.signal })
  instruments(options).log('wrote genesis file %s: %d validators', path, doc.validators.length)
}

/** Where a genesis peerstore provider gets its genesis: a file path or a loaded genesis (exactly one). */
export interface GenesisPeerstoreProviderInit {
  /**
   * Path of the genesis file (read once, on first use).
   * @default undefined (then `genesis` is required)
   */
  path?: string
  /**
   * An already loaded genesis.
   * @default undefined (then `path` is required)
   */
  genesis?: Genesis
}

/**
 * A {@link PeerstoreProvider} backed by a genesis file: the genesis validators are the staked set at every height; the
 * unstaked set is empty.
 */
export class GenesisPeerstoreProvider implements PeerstoreProvider {
  readonly #components: ProviderComponents
  readonly #path: string | undefined
  #loaded: Promise<Genesis> | undefined

  /**
   * @param components - where to log the load
   * @param init - the file's path, or a loaded genesis
   * @throws {InvalidConfigError} unless exactly one of `path` and `genesis` is given
   */
  constructor (components: ProviderComponents, init: GenesisPeerstoreProviderInit) {
    const { path, genesis } = init
    if ((path === undefined) === (genesis === undefined)) {
      throw new InvalidConfigError('genesisPeerstoreProvider init', 'give exactly one of `path` and `genesis`')
    }
    this.#components = components
    this.#path = path
    this.#loaded = genesis === undefined ? undefined : Promise.resolve(genesis)
  }

  /** The validated genesis (loads the file on first call; a failed load is retried on the next call). */
  async load (options: AbortOptions = {}): Promise<Genesis> {
    if (this.#loaded === undefined) {
      const p = loadGenesisFile(this.#path as string, { ...this.#components, ...options })
      this.#loaded = p
      p.catch(() => { if (this.#loaded === p) this.#loaded = undefined })
    }
    return await this.#loaded
  }

  /** The genesis validators, whatever the height. */
  async getStakedPeerstoreAtHeight (_height: bigint, options: AbortOptions = {}): Promise<Peerstore> {
    return new Peerstore((await this.load(options)).validators)
  }

  /** An empty peerstore. */
  async getUnstakedPeerstore (options: AbortOptions = {}): Promise<Peerstore> {
    options.signal?.throwIfAborted()
    return new Peerstore()
  }
}

/**
 * A peerstore provider serving a genesis file's validators; see {@link GenesisPeerstoreProvider}.
 *
 * @example
 * ```ts
 * const psp = genesisPeerstoreProvider({ path: './genesis.json' })({ logger })
 * const pstore = await psp.getStakedPeerstoreAtHeight(0n) // GenesisFileError if the file is broken
 * ```
 */
export function genesisPeerstoreProvider (init: GenesisPeerstoreProviderInit): (components?: ProviderComponents) => GenesisPeerstoreProvider {
  return (components = {}) => new GenesisPeerstoreProvider(components, init)
}
