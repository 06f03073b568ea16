import { createHash } from 'node:crypto'
import { identityFromSeed, type Identity } from '@pokt-p2p/types'

/**
 * `count` deterministic identities for a local network, sorted by address so that `result[i]` is val_{i+1}
 * (the i-th smallest address, as in the reference's RainTree tests). The same `seed` always gives the same keys.
 */
export function localnetIdentities (count: number, seed: string): Identity[] {
  return seededIdentities(count, seed).sort((a, b) => a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
}

/**
 * The same `count` identities as {@link localnetIdentities}, in the order they are derived: the first `count` of
 * `count + 1` are the same identities in the same places, so a deployment that grows keeps every node's key.
 */
export function seededIdentities (count: number, seed: string): Identity[] {
  const ids: Identity[] = []
  for (let i = 0; i < count; i++) {
    ids.push(identityFromSeed(Uint8Array.from(createHash('sha256').update(`pokt-p2p localnet\0${seed}\0${i}`).digest())))
  }
  return ids
}
