/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here as a program would run them. A README code block preceded by `<!-- example: examples/<file>.ts -->`
 * must equal that file, and no untagged TypeScript block may remain.
 */
import { describe, expect, it } from '@jest/globals'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/quickstart.ts: a broadcast between two modules with the default routers reaches the other once', async () => {
    expect(await runExample(pkg, 'examples/quickstart.ts')).toEqual([
      'bob got type.googleapis.com/pocket.DebugMessage: hello'
    ])
  }, 60_000)

  it('examples/custom-router.ts: a broadcast through the custom router reaches the two other modules once each', async () => {
    expect((await runExample(pkg, 'examples/custom-router.ts')).sort()).toEqual([
      'node 2 got type.googleapis.com/pocket.DebugMessage via flood',
      'node 3 got type.googleapis.com/pocket.DebugMessage via flood'
    ])
  })
})
