import { readFile, writeFile } from 'node:fs/promises'
import { InvalidConfigError, Peerstore, type AbortOptions, type Peer, type PeerstoreProvider } from '@pokt-p2p/types'
import { GenesisFileError } from './errors.js'
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
    if (!TOP_LEVEL_KEYS.has(key)) fail(`unknown key (expected "validators" and optionally "height")`, undefined, key)
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

/** Reads and validates a genesis file. @throws {GenesisFileError} (also when the file cannot be read) */
export async function loadGenesisFile (path: string, options: AbortOptions = {}): Promise<Genesis> {
  let text: string
  try {
    text = await readFile(path, { encoding: 'utf8', signal: options.signal })
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    throw new GenesisFileError(path, `cannot read: ${(err as Error).message}`, {}, { cause: err })
  }
  return parseGenesisText(text, path)
}

/**
 * The genesis document of `peers` (validated as a loaded file would be, so a written file always loads).
 * @throws {GenesisFileError} (source `<generated>`) for a peer whose address does not match its key, a bad service
 * URL or a duplicate
 */
export function genesisFromPeers (peers: Iterable<Peer>, options: { height?: bigint } = {}): GenesisFileJson {
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

/** Writes `peers` as a genesis file (pretty JSON, trailing newline). */
export async function writeGenesisFile (path: string, peers: Iterable<Peer>, options: { height?: bigint } = {}): Promise<void> {
  const doc = genesisFromPeers(peers, options)
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`, 'utf8')
}

/** Where a genesis peerstore provider gets its genesis: a file path or a loaded genesis. */
export interface GenesisPeerstoreProviderInit {
  /** Path of the genesis file (read once, on first use). Exactly one of `path` and `genesis`. */
  path?: string
  /** An already loaded genesis. */
  genesis?: Genesis
}

/** A {@link PeerstoreProvider} backed by a genesis file. */
export interface GenesisPeerstoreProvider extends PeerstoreProvider {
  /** The validated genesis (loads the file on first call; a failed load is retried on the next call). */
  load (options?: AbortOptions): Promise<Genesis>
}

/**
 * The genesis validators as the staked set at every height; the unstaked set is empty.
 *
 * @example
 * ```ts
 * const psp = genesisPeerstoreProvider({ path: './genesis.json' })
 * const pstore = await psp.getStakedPeerstoreAtHeight(0n) // GenesisFileError if the file is broken
 * ```
 */
export function genesisPeerstoreProvider (init: GenesisPeerstoreProviderInit): GenesisPeerstoreProvider {
  const { path, genesis } = init
  if ((path === undefined) === (genesis === undefined)) {
    throw new InvalidConfigError('genesisPeerstoreProvider init', 'give exactly one of `path` and `genesis`')
  }
  let loaded: Promise<Genesis> | undefined = genesis === undefined ? undefined : Promise.resolve(genesis)
  const load = async (options: AbortOptions = {}): Promise<Genesis> => {
    if (loaded === undefined) {
      const p = loadGenesisFile(path as string, options)
      loaded = p
      p.catch(() => { if (loaded === p) loaded = undefined })
    }
    return await loaded
  }
  return {
    load,
    async getStakedPeerstoreAtHeight (_height: bigint, options: AbortOptions = {}): Promise<Peerstore> {
      return new Peerstore((await load(options)).validators)
    },
    async getUnstakedPeerstore (options: AbortOptions = {}): Promise<Peerstore> {
      options.signal?.throwIfAborted()
      return new Peerstore()
    }
  }
}
