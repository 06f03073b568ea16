/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here as a program would run them. A README code block preceded by `<!-- example: examples/<file>.ts -->`
 * must equal that file, and no untagged TypeScript block may remain; the `@example` of src/index.ts is one of them.
 */
import { describe, expect, it } from '@jest/globals'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/localnet.ts: 4 memory nodes, RainTree reaches all in 3 messages, each delivered once', async () => {
    expect(await runExample(pkg, 'examples/localnet.ts')).toEqual([
      'RainTree reached 4/4 nodes with 3 messages, depth 1',
      'val_1: 0 read, 3 written, hop 0',
      'val_2: 1 read, 0 written, hop 1',
      'val_3: 1 read, 0 written, hop 1',
      'val_4: 1 read, 0 written, hop 1',
      'delivered exactly once on 3/3 nodes'
    ])
  }, 120_000)
})
