import { describe, expect, it } from '@jest/globals'
import {
  addressFromPublicKey, assertValidNonce, generateIdentity, generateNonce, identityFromPrivateKeyHex,
  identityFromSeed, InvalidKeyError, InvalidNonceError, MAX_NONCE, parseAddress, InvalidAddressError,
  peerIdStringFromPublicKey, publicKeyFromHex, testIdentity
} from '../src/index.js'

describe('identity (reference §1)', () => {
  it('GetPrivKeySeed(1) vector', () => {
    const id = testIdentity(1)
    expect(id.privateKeyHex).toBe('0100000000000000000000000000000000000000000000000000000000000000cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc')
    expect(id.publicKeyHex).toBe('cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc')
    expect(id.address).toBe('fa4d86c3b551aa6cd7c3759d040c037ef2c6379f')
    expect(peerIdStringFromPublicKey(id.publicKey)).toBe('12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X')
  })

  it('test keys 42..83 include the reference harness validators', () => {
    expect(testIdentity(46).address).toBe('0157a1d82da437eb6b2d0a612ebf934c3a54fb19')
    expect(testIdentity(46).publicKeyHex).toBe('264a0707979e0d6691f74b055429b5f318d39c2883bb509310b67424252e9ef2')
    expect(testIdentity(59).address).toBe('916540634c43e9d213af698a952209d3ca4f9cfe')
  })

  it('CLI debug key: address from public key', () => {
    expect(addressFromPublicKey(publicKeyFromHex('be19b2b886e743eb1ff7880968d6ce1a46350315e569243e747a227ee8faec3d')))
      .toBe('0783448664ab1db3510ba2bc41e3a44d776a206d')
  })

  it('private key hex round-trips, upper case accepted', () => {
    const id = generateIdentity()
    expect(identityFromPrivateKeyHex(id.privateKeyHex)).toEqual(id)
    expect(identityFromPrivateKeyHex(id.privateKeyHex.toUpperCase()).address).toBe(id.address)
    expect(identityFromSeed(id.privateKey.subarray(0, 32))).toEqual(id)
  })

  it('bad private keys give InvalidKeyError with the reference meaning', () => {
    expect(() => identityFromPrivateKeyHex('zz')).toThrow(InvalidKeyError)
    expect(() => identityFromPrivateKeyHex('abc')).toThrow(/not valid hex/)
    expect(() => identityFromPrivateKeyHex('00'.repeat(63))).toThrow('the private key length is not valid, expected length 64, actual length 63')
    const id = testIdentity(1)
    const corrupted = id.privateKeyHex.slice(0, 127) + (id.privateKeyHex.endsWith('c') ? 'd' : 'c')
    expect(() => identityFromPrivateKeyHex(corrupted)).toThrow(/not the public key of its seed/)
    expect(() => identityFromSeed(new Uint8Array(31))).toThrow(InvalidKeyError)
  })

  it('bad public keys give InvalidKeyError', () => {
    expect(() => publicKeyFromHex('00'.repeat(31))).toThrow('the public key length is not valid, expected length 32, actual length: 31')
    expect(() => publicKeyFromHex('xy'.repeat(32))).toThrow(InvalidKeyError)
    expect(() => peerIdStringFromPublicKey(new Uint8Array(3))).toThrow(InvalidKeyError)
  })

  it('addresses are parsed and normalised', () => {
    expect(parseAddress('FA4D86C3B551AA6CD7C3759D040C037EF2C6379F')).toBe('fa4d86c3b551aa6cd7c3759d040c037ef2c6379f')
    expect(() => parseAddress('fa4d')).toThrow(InvalidAddressError)
    expect(() => parseAddress('g'.repeat(40))).toThrow(InvalidAddressError)
  })

  it('nonces are in [1, 2^64-2]', () => {
    for (let i = 0; i < 1000; i++) {
      const n = generateNonce()
      expect(n >= 1n && n <= MAX_NONCE).toBe(true)
    }
    expect(MAX_NONCE).toBe(18446744073709551614n)
    expect(() => { assertValidNonce(0n) }).toThrow(InvalidNonceError)
    expect(() => { assertValidNonce(MAX_NONCE + 1n) }).toThrow(InvalidNonceError)
    expect(() => { assertValidNonce(1n) }).not.toThrow()
  })
})
