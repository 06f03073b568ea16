import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { InvalidConfigError } from '@pokt-p2p/types'
import { fuzzRuns, testIdentities } from '@pokt-p2p/testing'
import { parseNodeFileConfig } from '../src/index.js'
import { anyFileText, mutatedText, parsedOutcome, shapedLike, type ParsedOutcome } from '../../../test-support/fuzz-inputs.js'

const valid = {
  p2p: { private_key: testIdentities(1)[0]!.privateKeyHex, hostname: '127.0.0.1', port: 42069 },
  genesis_file: 'genesis.json',
  rpc: { hostname: '127.0.0.1', port: 50832 }
}
const validText = JSON.stringify(valid)

/** A `node --config` file's text through JSON.parse and parseNodeFileConfig: accepted, or a typed error naming the file. */
function outcome (text: string): ParsedOutcome {
  return parsedOutcome(text, json => {
    expect(typeof parseNodeFileConfig(json, '/etc/pokt/node.json').p2p).toBe('object')
  }, err => {
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as Error).message).toContain('/etc/pokt/node.json')
  })
}

describe('fuzz: node config files', () => {
  it('mutated, field-by-field random and arbitrary files: accepted, or an InvalidConfigError naming the file', () => {
    const seen = { ok: 0, 'invalid JSON': 0, 'invalid config': 0 }
    fc.assert(fc.property(
      fc.oneof(
        mutatedText(validText),
        shapedLike(valid).map(v => JSON.stringify(v)),
        fc.record({ p2p: shapedLike(valid.p2p), rpc: shapedLike(valid.rpc) }, { requiredKeys: [] }).map(v => JSON.stringify(v)),
        anyFileText
      ),
      text => { seen[outcome(text)]++ }
    ), { numRuns: fuzzRuns(2000) })
    expect(seen.ok).toBeGreaterThan(0)
    expect(seen['invalid config']).toBeGreaterThan(0)
  })
})
