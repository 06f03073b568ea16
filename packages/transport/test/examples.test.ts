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

  it('examples/send-and-receive.ts: B reads the message A sent and counts it, then everything is closed', async () => {
    expect(await runExample(pkg, 'examples/send-and-receive.ts')).toEqual([
      `received [1, 2, 3] from ${testIdentity(1).address}`,
      'B received 3 bytes in 1 message'
    ])
  })

  it('examples/framed-streams.ts: A reaches B on v2 over one stream and the v1-only C on v1, a stream per message', async () => {
    expect(await runExample(pkg, 'examples/framed-streams.ts')).toEqual([
      'to B: pokt/raintree/v2.0.0',
      'to C: pokt/raintree/v1.0.0',
      'B got B1 B2 B3; C got C1 C2 C3',
      'streams A opened: 1 on v2, 3 on v1'
    ])
  })

  it('examples/emulated-links.ts: a 1 MiB block to two peers over emulated links arrives no sooner than their uplink and latency allow', async () => {
    expect(await runExample(pkg, 'examples/emulated-links.ts')).toEqual(['both copies arrived, the last no sooner than the link allows: true'])
  })

  it('examples/memory-network.ts: 19 nodes of a 20-node memory network receive one message each', async () => {
    expect(await runExample(pkg, 'examples/memory-network.ts')).toEqual(['19 nodes received the message'])
  })
})
