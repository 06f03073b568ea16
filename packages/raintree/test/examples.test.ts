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

  it('examples/broadcast.ts: a broadcast among 9 TCP nodes reaches the other 8 once each, in 8 messages', async () => {
    const printed = await runExample(pkg, 'examples/broadcast.ts')
    const addresses = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(seed => testIdentity(seed).address)
    const received = printed.slice(0, -1).map(line => /^([0-9a-f]{40}) got \d+ bytes from ([0-9a-f]{40})$/.exec(line))
    expect(received.map(m => m?.[1]).sort()).toEqual(addresses.slice(1).sort())
    for (const m of received) expect(addresses).toContain(m?.[2])
    expect(printed.at(-1)).toBe('8 messages in all')
  })

  it('examples/in-process.ts: four in-process routers; one broadcast is delivered 3 times in 3 messages', async () => {
    const printed = await runExample(pkg, 'examples/in-process.ts')
    expect(printed).toEqual([`type.googleapis.com/demo.Hello #1 from ${testIdentity(1).address}`, '3 delivered, 3 messages'])
  })

  it('examples/core.ts: validator 1 sends to view indices 3, 6 (ranges of 3), 1 and 2; a million-node simulation reaches everyone', async () => {
    const printed = await runExample(pkg, 'examples/core.ts')
    expect(printed).toEqual([
      expect.stringMatching(/^view\[3\] = [0-9a-f]{40}: level 1, range 3$/),
      expect.stringMatching(/^view\[6\] = [0-9a-f]{40}: level 1, range 3$/),
      expect.stringMatching(/^view\[1\] = [0-9a-f]{40}: level 0, range 1$/),
      expect.stringMatching(/^view\[2\] = [0-9a-f]{40}: level 0, range 1$/),
      '{ messages: 999999, reached: 1000000, depth: 13 }'
    ])
  })
})
