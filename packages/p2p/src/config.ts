import {
  CONNECTION_TYPES, InvalidConfigError, MAX_DEDUP_WINDOW, RAINTREE_MODES, identityFromPrivateKeyHex, integerOption,
  type ConnectionType, type RainTreeMode
} from '@pokt-p2p/types'
import { DEFAULT_P2P_PORT } from '@pokt-p2p/transport'

/**
 * How many recent distinct messages the module always remembers, so a replay is dropped: 10x the reference
 * `DefaultP2PMaxNonces` (100,000), because a replay older than the window is delivered again and remembering costs
 * only ~8 bytes per message (a rotating pair of bloom filters: 8 MiB for this default, false positives ≈ 2e-7).
 */
export const DEFAULT_MAX_NONCES = 1_000_000

/**
 * The serialisable P2P configuration: the reference's `P2PConfig` fields (snake_case JSON keys, as in its config
 * files) plus this implementation's additions. Validate untrusted input with {@link parseP2PConfig}.
 */
export interface P2PConfig {
  /** 128 hex characters: ed25519 seed ‖ public key (reference layout) */
  private_key: string
  /** listen host; the reference default "" could not listen, so this defaults to 0.0.0.0. @default '0.0.0.0' */
  hostname: string
  /** listen port, 0 for an ephemeral one. @default 42069 */
  port: number
  /** `tcp` (the reference's TCPConnection) or `memory` (libp2p in-process transport, for simulations). @default 'tcp' */
  connection_type: ConnectionType
  /**
   * How many recent distinct messages (nonce and content) are always remembered, so copies and replays are dropped;
   * up to twice as many may be. Memory: 2 filters of 2^⌈log2(32·max_nonces)⌉ bits (8 MiB for the default). At most
   * 2^24 (16,777,216). @default 1000000
   */
  max_nonces: number
  /** a client-only node runs the DHT in client mode and never joins RainTree. @default false */
  is_client_only: boolean
  /** comma-separated `http(s)://host:port` RPC endpoints to bootstrap from. @default '' (the reference's defaults) */
  bootstrap_nodes_csv: string
  /** RainTree targeting. @default 'complete' */
  raintree_mode: RainTreeMode
  /**
   * Allow-list loopback in the connection manager and gossipsub scoring, and keep private addresses in the DHT.
   * Needed when many nodes share 127.0.0.1 (local networks, tests); keep false in production. @default false
   */
  allow_loopback: boolean
}

/** The default of every {@link P2PConfig} field but `private_key`. */
export const DEFAULT_P2P_CONFIG: Omit<P2PConfig, 'private_key'> = {
  hostname: '0.0.0.0',
  port: DEFAULT_P2P_PORT,
  connection_type: 'tcp',
  max_nonces: DEFAULT_MAX_NONCES,
  is_client_only: false,
  bootstrap_nodes_csv: '',
  raintree_mode: 'complete',
  allow_loopback: false
}

const KNOWN_KEYS = new Set(['private_key', ...Object.keys(DEFAULT_P2P_CONFIG)])

function fail (field: string, reason: string): never {
  throw new InvalidConfigError(field, reason)
}

/**
 * Validates an untrusted configuration object (e.g. parsed JSON) and fills defaults. Every error is an
 * {@link InvalidConfigError} naming the field. Unknown keys are rejected, so a typo does not silently fall back
 * to a default.
 */
export function parseP2PConfig (input: unknown, prefix = ''): P2PConfig {
  const name = (k: string): string => prefix + k
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(prefix === '' ? 'config' : prefix.replace(/\.$/, ''), 'must be an object')
  const raw = input as Record<string, unknown>
  for (const k of Object.keys(raw)) if (!KNOWN_KEYS.has(k)) fail(name(k), `unknown field (known: ${[...KNOWN_KEYS].join(', ')})`)

  const str = (k: keyof P2PConfig): string | undefined => {
    const v = raw[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string') fail(name(k), `must be a string, got ${typeof v}`)
    return v
  }
  const bool = (k: keyof P2PConfig): boolean | undefined => {
    const v = raw[k]
    if (v === undefined) return undefined
    if (typeof v !== 'boolean') fail(name(k), `must be true or false, got ${JSON.stringify(v)}`)
    return v
  }
  const int = (k: keyof P2PConfig, min: number, max: number): number | undefined =>
    raw[k] === undefined ? undefined : integerOption(name(k), raw[k], { min, max })

  const oneOf = <T extends string>(k: keyof P2PConfig, values: readonly T[]): T | undefined => {
    const v = str(k)
    if (v === undefined || (values as readonly string[]).includes(v)) return v as T | undefined
    fail(name(k), `must be ${values.map(x => JSON.stringify(x)).join(' or ')}, got ${JSON.stringify(v)}`)
  }

  const privateKey = str('private_key')
  if (privateKey === undefined || privateKey === '') fail(name('private_key'), 'is required (128 hex characters)')
  try {
    identityFromPrivateKeyHex(privateKey)
  } catch (err) {
    throw new InvalidConfigError(name('private_key'), (err as Error).message, { cause: err })
  }
  const hostname = str('hostname') ?? DEFAULT_P2P_CONFIG.hostname
  if (hostname === '' || /[\s/]/.test(hostname)) fail(name('hostname'), `must be a host name or IP address, got ${JSON.stringify(hostname)}`)
  const connectionType = oneOf('connection_type', CONNECTION_TYPES) ?? DEFAULT_P2P_CONFIG.connection_type
  const mode = oneOf('raintree_mode', RAINTREE_MODES) ?? DEFAULT_P2P_CONFIG.raintree_mode

  return {
    private_key: privateKey,
    hostname,
    port: int('port', 0, 65535) ?? DEFAULT_P2P_CONFIG.port,
    connection_type: connectionType,
    max_nonces: int('max_nonces', 1, MAX_DEDUP_WINDOW) ?? DEFAULT_P2P_CONFIG.max_nonces,
    is_client_only: bool('is_client_only') ?? DEFAULT_P2P_CONFIG.is_client_only,
    bootstrap_nodes_csv: str('bootstrap_nodes_csv') ?? DEFAULT_P2P_CONFIG.bootstrap_nodes_csv,
    raintree_mode: mode,
    allow_loopback: bool('allow_loopback') ?? DEFAULT_P2P_CONFIG.allow_loopback
  }
}
