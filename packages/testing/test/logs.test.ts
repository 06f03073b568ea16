import { describe, expect, it } from '@jest/globals'
import { captureLogs, format } from '../src/index.js'

describe('captureLogs', () => {
  it('records each call as one line, with its namespace, at every level', () => {
    const { logger, lines } = captureLogs()
    const log = logger.forComponent('pokt:test')
    expect(log.enabled).toBe(true)
    // libp2p's Logger types its levels as plain functions; debug's (and these) also say whether they are on
    expect((log.error as unknown as { enabled: boolean }).enabled).toBe(true)
    expect((log.trace as unknown as { enabled: boolean }).enabled).toBe(true)
    log('hello %s', 'world')
    log.error('send to %s failed: %s', 'abc', 'refused')
    log.trace('%d bytes', 42)
    logger.forComponent('pokt:other')('x')
    expect(lines).toEqual([
      { namespace: 'pokt:test', text: 'hello world' },
      { namespace: 'pokt:test:error', text: 'send to abc failed: refused' },
      { namespace: 'pokt:test:trace', text: '42 bytes' },
      { namespace: 'pokt:other', text: 'x' }
    ])
  })

  it('newScope appends to the namespace; separate captures keep separate lines', () => {
    const a = captureLogs()
    const b = captureLogs()
    const scoped = a.logger.forComponent('pokt:p2p').newScope('inbound')
    scoped('one')
    scoped.error('two')
    expect(a.lines).toEqual([
      { namespace: 'pokt:p2p:inbound', text: 'one' },
      { namespace: 'pokt:p2p:inbound:error', text: 'two' }
    ])
    expect(b.lines).toEqual([])
  })
})

describe('format', () => {
  it('substitutes %s %d %i %o %O %j in order, and %% is a literal percent', () => {
    expect(format('%s=%d (%i) %o %O %j 100%%', ['a', 1, 2, { x: 1 }, [1, 2], 'j'])).toBe('a=1 (2) {"x":1} [1,2] j 100%')
  })

  it('shows errors by name and message, bigints as digits, and what JSON cannot show with String', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(format('%s | %s | %s | %s | %s', [new TypeError('bad'), 2n ** 64n, undefined, circular, null]))
      .toBe('TypeError: bad | 18446744073709551616 | undefined | [object Object] | null')
  })

  it('keeps a specifier without an argument, and appends arguments without a specifier', () => {
    expect(format('%s and %s', ['one'])).toBe('one and %s')
    expect(format('done', [1, 'two'])).toBe('done 1 two')
  })

  it('joins every value when the first is not a string', () => {
    expect(format({ a: 1 }, ['x', 3])).toBe('{"a":1} x 3')
    expect(format(new Error('e'), [])).toBe('Error: e')
  })
})
