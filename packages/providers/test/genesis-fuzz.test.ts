import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fuzzRuns, testIdentities } from '@pokt-p2p/testing'
import { GenesisFileError, parseGenesisText } from '../src/index.js'
import { anyFileText, mutatedText, shapedLike } from '../../../test-support/fuzz-inputs.js'

const validators = testIdentities(3).map((id, i) => ({ address: id.address, public_key: id.publicKeyHex, service_url: `127.0.0.1:${42069 + i}` }))
const valid = { validators, height: 7 }
const validText = JSON.stringify(valid)

/** What parsing `text` as a genesis file gives: its validators, or a typed error naming the file. */
function outcome (text: string): 'ok' | 'rejected' {
  try {
    const g = parseGenesisText(text, 'fuzz.json')
    expect(g.validators.length).toBeGreaterThan(0)
    for (const p of g.validators) expect(p.address).toMatch(/^[0-9a-f]{40}$/)
    return 'ok'
  } catch (err) {
    expect(err).toBeInstanceOf(GenesisFileError)
    expect((err as Error).message).toContain('fuzz.json')
    return 'rejected'
  }
}

describe('fuzz: genesis files', () => {
  it('mutated, field-by-field random and arbitrary files: validators, or a GenesisFileError naming the file', () => {
    const seen = { ok: 0, rejected: 0 }
    const entry = shapedLike(validators[0] as Record<string, unknown>)
    fc.assert(fc.property(
      fc.oneof(
        mutatedText(validText),
        fc.record({ validators: fc.oneof(fc.array(entry, { maxLength: 3 }), fc.jsonValue()), height: fc.jsonValue() }, { requiredKeys: [] }).map(v => JSON.stringify(v)),
        anyFileText
      ),
      text => { seen[outcome(text)]++ }
    ), { numRuns: fuzzRuns(2000) })
    expect(seen.ok).toBeGreaterThan(0)
    expect(seen.rejected).toBeGreaterThan(0)
  })
})
