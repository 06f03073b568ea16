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
    const from = testIdentity(1).address
    expect(printed.sort()).toEqual([
      `participant 1 got "to everyone" from ${from}`,
      `participant 2 got "to everyone" from ${from}`,
      `participant 3 got "to everyone" from ${from}`,
      `participant 3 got "to 3 only" from ${from}`
    ].sort())
  })
})
