/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here as a program would run them.
 */
import { describe, expect, it } from '@jest/globals'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/simulate.ts: 2,700 live nodes, a JSON line of figures, then the table', async () => {
    const printed = await runExample(pkg, 'examples/simulate.ts')
    const figures = JSON.parse(printed[0]!) as Record<string, number>
    expect(figures).toEqual({
      live: 2700, liveReached: expect.any(Number), dataMessages: figures.liveReached! - 1, failedSends: expect.any(Number),
      depth: expect.any(Number), p50: expect.any(Number)
    })
    expect(figures.liveReached).toBeLessThan(2700)
    expect(figures.p50! % 50).toBe(0)
    expect(printed[1]).toMatch(/^\| figure +\| value +\|\n/)
    expect(printed[1]).toContain('10 % dead')
  })

  it('examples/network.ts: a dead peer fails after a round trip, the first block leaves at 335.54 ms and arrives 20 ms later, the second one block later', async () => {
    const printed = await runExample(pkg, 'examples/network.ts')
    expect(printed).toEqual([
      't = 40 ms: PeerUnreachableError',
      't = 335.54 ms: the first block has left',
      't = 355.54 ms: 4194304 bytes from node 0',
      't = 691.09 ms: 4194304 bytes from node 0',
      'node 0 sent 2 messages, 8388608 bytes; 1 send failed'
    ])
  })
})
