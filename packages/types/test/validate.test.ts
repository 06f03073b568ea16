import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { InvalidConfigError, integerOption } from '../src/index.js'

describe('integerOption', () => {
  it('returns a safe integer within the inclusive bounds', () => {
    expect(integerOption('port', 0, { min: 0, max: 65535 })).toBe(0)
    expect(integerOption('port', 65535, { min: 0, max: 65535 })).toBe(65535)
    expect(integerOption('nodes', Number.MAX_SAFE_INTEGER, { min: 1 })).toBe(Number.MAX_SAFE_INTEGER)
    expect(integerOption('offset', -3, { min: -5, max: 5 })).toBe(-3)
  })

  it('throws an InvalidConfigError naming the field and the range', () => {
    const err = (() => { try { integerOption('--nodes', 0, { min: 1, max: 10 }) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).field).toBe('--nodes')
    expect((err as Error).message).toBe('invalid --nodes: must be an integer in [1, 10], got 0')
    expect(() => integerOption('maxMessageBytes', -1, { min: 1 })).toThrow('invalid maxMessageBytes: must be an integer >= 1, got -1')
  })

  it('refuses what is not a safe integer, whatever its type, showing the value', () => {
    for (const [value, shown] of [
      [1.5, '1.5'], [Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity'], [2 ** 53, String(2 ** 53)],
      ['3', '"3"'], [null, 'null'], [true, 'true'], [[1], '[1]']
    ] as Array<[unknown, string]>) {
      expect(() => integerOption('x', value, { min: 0 })).toThrow(`got ${shown}`)
    }
    // values JSON cannot show are still an InvalidConfigError, not a TypeError from the message
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(() => integerOption('x', undefined, { min: 0 })).toThrow('got undefined')
    expect(() => integerOption('x', 3n, { min: 0 })).toThrow('got 3n')
    expect(() => integerOption('x', circular, { min: 0 })).toThrow(InvalidConfigError)
  })

  it('property: accepts exactly the integers in [min, max]', () => {
    fc.assert(fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -1200, max: 2200 }),
      (min, width, value) => {
        const max = min + width
        if (value >= min && value <= max) {
          expect(integerOption('v', value, { min, max })).toBe(value)
        } else {
          expect(() => integerOption('v', value, { min, max })).toThrow(InvalidConfigError)
        }
      }))
  })
})
