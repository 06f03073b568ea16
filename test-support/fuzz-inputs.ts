// Generated inputs the packages' fuzz tests share: a valid document mutated one edit at a time, and raw bytes that
// are not even text. With `fuzzRuns` (@pokt-p2p/testing) they run a few hundred times in the test suite and
// POKT_FUZZ_RUNS times in `npm run fuzz`.
import fc from 'fast-check'

/**
 * `valid` with one character replaced, inserted or deleted, or a random JSON value spliced in at a random place:
 * documents that are nearly right, where parsers go wrong.
 */
export function mutatedText (valid: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.constantFrom('replace', 'insert', 'delete', 'splice'), fc.string({ maxLength: 3 }), fc.json())
    .map(([i, op, s, j]) => {
      switch (op) {
        case 'replace': return valid.slice(0, i) + s + valid.slice(i + 1)
        case 'insert': return valid.slice(0, i) + s + valid.slice(i)
        case 'delete': return valid.slice(0, i) + valid.slice(i + 1)
        default: return valid.slice(0, i) + j + valid.slice(i)
      }
    })
}

/**
 * A JSON object shaped like `shape` (its keys, some missing, some extra) whose values are random JSON values, or the
 * right value of `shape` now and then: gets past "not an object" into each field's own checks.
 */
export function shapedLike (shape: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fc.oneof(fc.constant(v), fc.jsonValue(), fc.string(), fc.integer(), fc.double())]))
  return fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 2 }), fc.boolean())
    .map(([known, extra, withExtra]) => withExtra ? { ...extra, ...known } : known)
}

/** Any text a file could hold: random JSON, random strings, and bytes that are not UTF-8. */
export const anyFileText: fc.Arbitrary<string> = fc.oneof(
  fc.json(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map(b => Buffer.from(b).toString('utf8'))
)

/** What a config-like file's text gives: parsed and accepted, not JSON, or refused by its parser. */
export type ParsedOutcome = 'ok' | 'invalid JSON' | 'invalid config'

/**
 * `text` through JSON.parse and then `parse`: `'ok'` when `parse` accepts it, `'invalid config'` when it throws,
 * after `expectRefusal` has checked what it threw (the typed error, naming the file or field).
 */
export function parsedOutcome (text: string, parse: (json: unknown) => void, expectRefusal: (err: unknown) => void): ParsedOutcome {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return 'invalid JSON'
  }
  try {
    parse(json)
    return 'ok'
  } catch (err) {
    expectRefusal(err)
    return 'invalid config'
  }
}
