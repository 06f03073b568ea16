import { readFile } from 'node:fs/promises'
import { describe, expect, it } from '@jest/globals'
import { testIdentity } from '@pokt-p2p/types'
import { parseGenesisText } from '../src/index.js'

describe('README', () => {
  it('its genesis example is a valid genesis file', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const example = /### Format\s+```json\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(example).toBeDefined()
    const genesis = parseGenesisText(example as string, 'README.md')
    expect(genesis.validators[0]?.address).toBe(testIdentity(1).address)
  })
})
