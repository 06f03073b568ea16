import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@libp2p/noise/crypto'
import type { ICryptoInterface } from '@libp2p/noise'

/** The private key object behind each key pair {@link noiseCrypto} generated, by its private key bytes. */
const privateKeys = new WeakMap<Uint8Array, KeyObject>()

/**
 * Noise's crypto with faster X25519 (libp2p's noise takes one through `noise({ crypto })`): everything else is
 * `@libp2p/noise`'s default.
 *
 * The default builds both keys of every Diffie-Hellman from DER, and OpenSSL 3's DER decoder is slow: 5.8 ms per
 * exchange on this 2-core machine, three per handshake at each end, most of a connection's set-up CPU. Here each key
 * pair keeps the private key object it was generated with (noise hands the same bytes back to `dh`), and the peer's
 * public key is imported from JWK: 0.35 ms per exchange. A private key not generated here (a `staticNoiseKey` seed)
 * takes the default path. The shared secret is the same (a property test checks it against the default).
 */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  generateX25519KeyPair () {
    // The private JWK holds both halves, raw. It comes from the generation itself, not from `privateKey.export()`:
    // on Node 20 that export deadlocks its thread for good when a garbage collection during it finalises the
    // generation job of the same key (the job's destructor takes the key's lock, which the export holds). A CI run
    // hung 85 minutes on it; test/noise-crypto.test.ts tells more. The casts: @types/node's overloads lack the JWK
    // encoding that Node has had since 15.9.
    const jwk = (generateKeyPairSync('x25519', { privateKeyEncoding: { type: 'pkcs8', format: 'jwk' } } as never) as unknown as { privateKey: JsonWebKey }).privateKey
    const pair = { publicKey: Buffer.from(jwk.x as string, 'base64url'), privateKey: Buffer.from(jwk.d as string, 'base64url') }
    privateKeys.set(pair.privateKey, createPrivateKey({ key: jwk, format: 'jwk' }))
    return pair
  },
  generateX25519SharedKey (privateKey, publicKey) {
    const own = privateKey instanceof Uint8Array ? privateKeys.get(privateKey) : undefined
    if (own === undefined) return defaultCrypto.generateX25519SharedKey(privateKey, publicKey)
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey.subarray()).toString('base64url') }, format: 'jwk' })
    return diffieHellman({ privateKey: own, publicKey: peer })
  }
}
