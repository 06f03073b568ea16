/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here as a program would run them. A README code block preceded by `<!-- example: examples/<file>.ts -->`
 * must equal that file, and no untagged TypeScript block may remain.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { testIdentity } from '@pokt-p2p/types'
import { itShowsEveryExampleInTheReadme, runExample } from '../../../test-support/readme-examples.js'
import { parseGenesisText } from '../src/index.js'

const pkg = new URL('../', import.meta.url)
/** The README's genesis file example (its "### Format" JSON block). */
const formatExample = /### Format\s+```json\n([\s\S]*?)```/.exec(readFileSync(new URL('README.md', pkg), 'utf8'))?.[1]

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)

  it('examples/quick-start.ts: a node bootstraps from another, skipping one that is down, and counts its requests', async () => {
    expect(await runExample(pkg, 'examples/quick-start.ts')).toEqual([
      expect.stringMatching(/^bootstrapped from http:\/\/127\.0\.0\.1:\d+: height 5, 3 staked validators$/),
      'RPC requests: 3 ok, 1 failed'
    ])
  })

  it('the genesis format example is a valid genesis file', () => {
    expect(formatExample).toBeDefined()
    const genesis = parseGenesisText(formatExample as string, 'README.md')
    expect(genesis.validators[0]?.address).toBe(testIdentity(1).address)
  })

  it('examples/static-providers.ts: a height change is an event; the staked set is replaced', async () => {
    expect(await runExample(pkg, 'examples/static-providers.ts')).toEqual(['new height 2n', '2 staked at height 2'])
  })

  it('examples/genesis-file.ts: the file written is the README format, and loads back', async () => {
    const [entry, ...rest] = await runExample(pkg, 'examples/genesis-file.ts')
    const format = JSON.parse(formatExample ?? '{}') as { validators: unknown[] }
    expect(JSON.parse(entry ?? '')).toEqual(format.validators[0])
    expect(rest).toEqual(['3 validators; height 0'])
  })

  it('examples/rpc-client.ts: height and staked set come over HTTP from a real server', async () => {
    expect(await runExample(pkg, 'examples/rpc-client.ts')).toEqual(['height 7n', '3 staked validators at height 7'])
  })

  it('examples/rpc-server.ts: the server answers /v1/consensus/state', async () => {
    expect(await runExample(pkg, 'examples/rpc-server.ts')).toEqual(['200 {"height":1,"round":0,"step":0}'])
  })

  it('examples/bootstrap.ts: a node that is down is skipped, the next one wins', async () => {
    expect(await runExample(pkg, 'examples/bootstrap.ts')).toEqual([
      "[ 'http://a:50832', 'https://b.example:443' ]",
      "[ 'http://validator1:50832', 'http://validator-001-pocket:50832' ]",
      'skipped http://127.0.0.1:1 RpcConnectionError after 2 attempts',
      expect.stringMatching(/^bootstrapped from http:\/\/127\.0\.0\.1:\d+: height 5, 3 staked validators$/)
    ])
  })
})
