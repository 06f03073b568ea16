import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { InvalidAddressError, InvalidKeyError, InvalidNonceError } from './errors.js'
import { bytesToHex, tryHexToBytes } from './hex.js'

/** Byte length of a private key in the reference's layout (seed ‖ public key). */
export const PRIVATE_KEY_BYTES = 64
/** Byte length of an ed25519 seed. */
export const SEED_BYTES = 32
/** Byte length of an ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32
/** Byte length of a pocket address (the first 20 bytes of sha256(public key)). */
export const ADDRESS_BYTES = 20

/** Largest nonce `GetNonce` can return: crypto/rand.Int(2^64-1) is in [0, 2^64-2] and 0 is redrawn. */
export const MAX_NONCE = (1n << 64n) - 2n

/** A pocket address: 40 lowercase hex characters (first 20 bytes of sha256(public key)). */
export type Address = string

/**
 * An ed25519 identity in the reference's layout: `privateKey` is the 64-byte Go `ed25519.PrivateKey`
 * (seed ‖ public key), and `address` is derived from the public key.
 */
export interface Identity {
  /** 64 bytes: seed ‖ public key */
  readonly privateKey: Uint8Array
  /** 32 bytes */
  readonly publicKey: Uint8Array
  /** 128 lowercase hex characters */
  readonly privateKeyHex: string
  /** 64 lowercase hex characters */
  readonly publicKeyHex: string
  /** the pocket address of `publicKey` */
  readonly address: Address
}

// PKCS#8 wrapping of a raw ed25519 seed, so node:crypto can derive the public key synchronously.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

function publicKeyOfSeed (seed: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const jwk = createPublicKey(key).export({ format: 'jwk' })
  return Uint8Array.from(Buffer.from(jwk.x as string, 'base64url'))
}

/** An identity from a 32-byte ed25519 seed (Go `ed25519.NewKeyFromSeed`). */
export function identityFromSeed (seed: Uint8Array): Identity {
  if (seed.length !== SEED_BYTES) {
    throw new InvalidKeyError(`the private key seed length is not valid, expected length ${SEED_BYTES}, actual length ${seed.length}`)
  }
  const publicKey = publicKeyOfSeed(seed)
  const privateKey = new Uint8Array(PRIVATE_KEY_BYTES)
  privateKey.set(seed, 0)
  privateKey.set(publicKey, SEED_BYTES)
  return {
    privateKey,
    publicKey,
    privateKeyHex: bytesToHex(privateKey),
    publicKeyHex: bytesToHex(publicKey),
    address: addressFromPublicKey(publicKey)
  }
}

/**
 * Parses a private key in the reference's config format: 128 hex characters (seed ‖ public key).
 * The embedded public key must match the seed; a mismatch means a corrupted key.
 */
export function identityFromPrivateKeyHex (hex: string): Identity {
  const bytes = tryHexToBytes(hex)
  if (bytes === undefined) {
    throw new InvalidKeyError('an error occurred creating the private key; the value is not valid hex')
  }
  if (bytes.length !== PRIVATE_KEY_BYTES) {
    throw new InvalidKeyError(`the private key length is not valid, expected length ${PRIVATE_KEY_BYTES}, actual length ${bytes.length}`)
  }
  const identity = identityFromSeed(bytes.subarray(0, SEED_BYTES))
  if (bytesToHex(bytes.subarray(SEED_BYTES)) !== identity.publicKeyHex) {
    throw new InvalidKeyError('the private key is not valid: its last 32 bytes are not the public key of its seed')
  }
  return identity
}

/** A fresh random identity. */
export function generateIdentity (): Identity {
  return identityFromSeed(Uint8Array.from(randomBytes(SEED_BYTES)))
}

/**
 * The reference's deterministic test key `GetPrivKeySeed(seed)`: a 32-byte seed of zeros whose first four bytes are
 * `uint32(seed)` little-endian.
 */
export function testIdentity (seed: number): Identity {
  if (!Number.isInteger(seed)) throw new InvalidKeyError(`test key seed must be an integer, got ${seed}`)
  const buf = new Uint8Array(SEED_BYTES)
  new DataView(buf.buffer).setUint32(0, seed >>> 0, true)
  return identityFromSeed(buf)
}

/** Parses a 64-hex-character ed25519 public key. */
export function publicKeyFromHex (hex: string): Uint8Array {
  const bytes = tryHexToBytes(hex)
  if (bytes === undefined) {
    throw new InvalidKeyError('an error occurred creating the public key; the value is not valid hex')
  }
  if (bytes.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidKeyError(`the public key length is not valid, expected length ${PUBLIC_KEY_BYTES}, actual length: ${bytes.length}`)
  }
  return bytes
}

/** Pocket address of a public key: lowercase hex of the first 20 bytes of sha256(public key). */
export function addressFromPublicKey (publicKey: Uint8Array): Address {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidKeyError(`the public key length is not valid, expected length ${PUBLIC_KEY_BYTES}, actual length: ${publicKey.length}`)
  }
  return createHash('sha256').update(publicKey).digest('hex').slice(0, ADDRESS_BYTES * 2)
}

/** Validates and normalises (to lowercase) a pocket address given as hex. */
export function parseAddress (hex: string): Address {
  const bytes = tryHexToBytes(hex)
  if (bytes === undefined) throw new InvalidAddressError(`address is not valid hex: ${JSON.stringify(hex)}`)
  if (bytes.length !== ADDRESS_BYTES) {
    throw new InvalidAddressError(`address length is not valid, expected ${ADDRESS_BYTES} bytes, actual ${bytes.length}`)
  }
  return hex.toLowerCase()
}

/** The libp2p peer id (`12D3KooW…`) of an ed25519 public key, as go-libp2p computes it. */
export function peerIdStringFromPublicKey (publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidKeyError(`the public key length is not valid, expected length ${PUBLIC_KEY_BYTES}, actual length: ${publicKey.length}`)
  }
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}

/** A uniformly random nonce in [1, 2^64-2], the reference's `GetNonce` range. */
export function generateNonce (): bigint {
  for (;;) {
    const n = randomBytes(8).readBigUInt64LE(0)
    // rejection sampling keeps the distribution uniform over [1, MAX_NONCE]
    if (n >= 1n && n <= MAX_NONCE) return n
  }
}

/** Throws {@link InvalidNonceError} unless `nonce` is in [1, 2^64-2]. */
export function assertValidNonce (nonce: bigint): void {
  if (nonce < 1n || nonce > MAX_NONCE) throw new InvalidNonceError(nonce)
}
