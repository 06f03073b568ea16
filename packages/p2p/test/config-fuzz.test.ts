import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { InvalidConfigError } from '@pokt-p2p/types'
import { fuzzRuns, testIdentities } from '@pokt-p2p/testing'
import { parseP2PConfig, DEFAULT_P2P_CONFIG } from '../src/index.js'
import { anyFileText, mutatedText, parsedOutcome, shapedLike, type ParsedOutcome } from '../../../test-support/fuzz-inputs.js'

const valid = { ...DEFAULT_P2P_CONFIG, private_key: testIdentities(1)[0]!.privateKeyHex }
const validText = JSON.stringify(valid)

/** Parses `text` as a config file would be: JSON, then the config's own checks. */
function outcome (text: string): ParsedOutcome {
  return parsedOutcome(text, json => {
    const config = parseP2PConfig(json)
    // what it accepts is a whole config: every field present and of its type
    expect(Object.keys(config).sort()).toEqual(Object.keys(valid).sort())
  }, err => {
    // the only error it may throw, naming a field
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).message.length).toBeGreaterThan(0)
  })
}

describe('fuzz: parseP2PConfig on generated configs', () => {
  it('a valid config parses', () => {
    expect(outcome(validText)).toBe('ok')
  })

  it('mutated, field-by-field random and arbitrary documents: a whole config or an InvalidConfigError, nothing else', () => {
    const seen = { ok: 0, 'invalid JSON': 0, 'invalid config': 0 }
    fc.assert(fc.property(
      fc.oneof(mutatedText(validText), shapedLike(valid).map(v => JSON.stringify(v)), anyFileText),
      text => { seen[outcome(text)]++ }
    ), { numRuns: fuzzRuns(2000) })
    // the inputs reached every outcome: the property tested the checks, not only JSON.parse
    expect(seen.ok).toBeGreaterThan(0)
    expect(seen['invalid config']).toBeGreaterThan(0)
  })
})
