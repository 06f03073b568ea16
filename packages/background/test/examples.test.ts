/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here as a program would run them. A README code block preceded by `<!-- example: examples/<file>.ts -->`
 * must equal that file, and no untagged TypeScript block may remain.
 */
import { describe, expect, it } from '@jest/globals'
import { testIdentity } from '@pokt-p2p/types'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/gossip.ts: the broadcast reaches all three (the sender too), the send only the third', async () => {
    const printed = await runExample(pkg, 'examples/gossip.ts')
    const addresses = [1, 2, 3].map(seed => testIdentity(seed).address)
    const lines = printed.filter(line => line.startsWith('participant '))
      .map(line => /^participant (\d) got "(.*)" from ([0-9a-f]{40})$/.exec(line)?.slice(1))
    expect(lines.map(l => l?.slice(0, 2).join(' ')).sort()).toEqual(['1 to everyone', '2 to everyone', '3 to 3 only', '3 to everyone'])
    for (const [who, text, from] of lines as string[][]) {
      // `from` is the sender of the last hop. The direct send and the sender's own copy come from participant 1; a
      // gossip copy comes from the originator or from the other receiver that forwarded it
      if (text === 'to 3 only' || who === '1') expect(from).toBe(addresses[0])
      else expect(addresses.filter(a => a !== addresses[Number(who) - 1])).toContain(from)
    }
    // participant 1's metrics: its broadcast and its send, and gossipsub's copies of the broadcast (one per peer)
    const figures = /^metrics of participant 1: (\d+) published, (\d+) sent, (\d+) gossip copies sent$/.exec(printed.find(l => l.startsWith('metrics ')) ?? '')
    expect(figures?.slice(1, 3)).toEqual(['1', '1'])
    expect(Number(figures?.[3])).toBeGreaterThanOrEqual(2)
  })
})
