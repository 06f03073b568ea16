/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here. A README code block preceded by `<!-- example: examples/<file>.ts -->` must equal that file, and no
 * untagged TypeScript block may remain.
 */
import { describe, expect, it } from '@jest/globals'
import { testIdentity } from '@pokt-p2p/types'
// The example is a jest test module: importing it registers the compliance suite for its router, which runs below.
import '../examples/router-compliance.js'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/in-process-network.ts: one message from the first identity reaches the second, and is counted', async () => {
    const first = [testIdentity(1), testIdentity(2)].sort((a, b) => a.address < b.address ? -1 : 1)[0]
    expect(await runExample(pkg, 'examples/in-process-network.ts')).toEqual([
      `${first?.address ?? ''} sent 3 bytes`,
      '{ messages: 1, bytes: 3 }'
    ])
  })

  it('examples/in-process-latency.ts: each message arrives at its send time + its link\'s latency, in virtual time', async () => {
    expect(await runExample(pkg, 'examples/in-process-latency.ts')).toEqual([
      '30 ms: bob got it from alice',
      '60 ms: carol got it from bob',
      '80 ms: carol got it from alice',
      '{ messages: 3, bytes: 3 }'
    ])
  })

  it('examples/capture-logs.ts: each call is one line, arguments substituted, errors in their own namespace', async () => {
    expect(await runExample(pkg, 'examples/capture-logs.ts')).toEqual([
      'pokt:demo: started with 3 peers',
      'pokt:demo:error: send to a1b2c3 failed: connection refused'
    ])
  })
})
