import { testIdentity, type Identity } from '@pokt-p2p/types'

/**
 * `n` deterministic identities from the reference's test keys (`testIdentity(first)`, `testIdentity(first + 1)`, …),
 * sorted by address: index i is the i-th node of every node's sorted view, so tests can name nodes by view position.
 * Different `first` values give disjoint sets (for tests that run side by side).
 * @param n - how many
 * @param options - `first`: the first seed (default 1); `sorted`: sort by address (default true)
 */
export function testIdentities (n: number, options: { first?: number, sorted?: boolean } = {}): Identity[] {
  const first = options.first ?? 1
  const ids = Array.from({ length: n }, (_, i) => testIdentity(first + i))
  if (options.sorted === false) return ids
  return ids.sort((a, b) => a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
}
