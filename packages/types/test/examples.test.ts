/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here as a program would run them. A README code block preceded by `<!-- example: examples/<file>.ts -->`
 * must equal that file, and no untagged TypeScript block may remain. (The router compliance suite and its example
 * moved to `@pokt-p2p/testing`.)
 */
import { describe, expect, it } from '@jest/globals'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/peers-and-envelopes.ts: a view starts at self; a valid envelope yields its nonce and content, others a drop reason', async () => {
    expect(await runExample(pkg, 'examples/peers-and-envelopes.ts')).toEqual([
      '3 true',
      '42n type.googleapis.com/pocket.DebugMessage',
      'empty MessageDecodeError',
      'envelope MessageDecodeError',
      'nonce InvalidNonceError'
    ])
  })

  it('examples/service.ts: concurrent starts share one run, and a stop during a start cancels it', async () => {
    expect(await runExample(pkg, 'examples/service.ts')).toEqual([
      'beat 1', 'beat 2', 'beat 3',
      'true 3',
      'false 3'
    ])
  })
})
