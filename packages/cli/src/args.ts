import { integerOption } from '@pokt-p2p/types'
import { UsageError } from './errors.js'

export { UsageError }

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : j === 0 ? i : 0))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min((d[i - 1] as number[])[j] as number + 1, (d[i] as number[])[j - 1] as number + 1, (d[i - 1] as number[])[j - 1] as number + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[i - 2] as number[])[j - 2] as number + 1)
      ;(d[i] as number[])[j] = v
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

/**
 * The candidate `word` was most likely meant as: the only candidate it is a prefix of, or the closest one within
 * a third of its length (at least 1, at most 3 edits). `undefined` when nothing is close.
 */
export function closest (word: string, candidates: readonly string[]): string | undefined {
  if (word.length >= 2) {
    const prefixed = candidates.filter(c => c.startsWith(word))
    if (prefixed.length === 1) return prefixed[0]
  }
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)))
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(word, c)
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  return bestDistance <= limit ? best : undefined
}

/** " (did you mean X?)" or "" */
export function didYouMean (word: string, candidates: readonly string[], prefix = ''): string {
  const c = closest(word, candidates)
  return c === undefined ? '' : ` (did you mean ${prefix}${c}?)`
}

/** A negative number such as -1 or -2.5: the value of the option before it, not an option. */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/

/**
 * Parses `argv` strictly: `--name value`, `--name=value`, boolean `--flag`, and `-h`/`--help`. Unknown options
 * (with a suggestion), missing values and stray arguments are usage errors naming them. A value may be a negative
 * number (`--seed-int -1`); any other value starting with "-" must be written `--name=-value`.
 */
export function parseOptions<T extends OptionSpec> (argv: string[], spec: T, command: string): Record<keyof T | 'help', string | boolean | undefined> {
  const values: Record<string, string | boolean | undefined> = {}
  const names = [...Object.keys(spec), 'help']
  const known = (name: string): { type: 'string' | 'boolean' } | undefined => name === 'help' ? { type: 'boolean' } : spec[name]
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '-h') { values.help = true; continue }
    if (arg === '--') {
      if (i + 1 < argv.length) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(argv[i + 1])}`)
      break
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && !NEGATIVE_NUMBER.test(arg)) {
        throw new UsageError(`${command}: unknown option ${arg}${didYouMean(arg.replace(/^-+/, ''), names, '--')}`)
      }
      throw new UsageError(`${command}: unexpected argument ${JSON.stringify(arg)}`)
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const option = known(name)
    if (option === undefined) throw new UsageError(`${command}: unknown option --${name}${didYouMean(name, names, '--')}`)
    if (option.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`${command}: --${name} takes no value, got ${JSON.stringify(arg.slice(eq + 1))}`)
      values[name] = true
      continue
    }
    if (eq !== -1) { values[name] = arg.slice(eq + 1); continue }
    const next = argv[i + 1]
    if (next === undefined) throw new UsageError(`${command}: --${name} needs a value`)
    if (next.startsWith('-') && !NEGATIVE_NUMBER.test(next)) {
      throw new UsageError(`${command}: --${name} needs a value, got the option ${next} (write --${name}=${next} for a value starting with "-")`)
    }
    values[name] = next
    i++
  }
  return values as Record<keyof T | 'help', string | boolean | undefined>
}

/**
 * An integer option in [min, max]; `fallback` when absent. The text is parsed here (decimal digits, optionally
 * negative); the range check is the one of every option in these packages, `integerOption` of `@pokt-p2p/types`.
 * @throws {UsageError} naming `--name`, the range and the value
 */
export function intOption (name: string, value: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const text = typeof value === 'string' ? value.trim() : value
  // a value that is not an integer goes to the check as it was written, which then names it
  const parsed = typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : text
  try {
    return integerOption(`--${name}`, parsed, { min, max })
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err })
  }
}

/** One of `choices`; `fallback` when absent. */
export function choiceOption<C extends string> (name: string, value: string | boolean | undefined, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}${typeof value === 'string' ? didYouMean(value, choices) : ''}`)
  }
  return value as C
}

/**
 * A layer switch, `on` or `off` (`--ack`, `--cleanup`); undefined when absent, so that the caller leaves the
 * library's own default in place rather than copying it (a default that changes there then changes here too).
 * @throws {UsageError} naming `--name` and the value
 */
export function onOffOption (name: string, value: string | boolean | undefined): boolean | undefined {
  if (value === undefined) return undefined
  return choiceOption(name, value, ['on', 'off'] as const, 'off') === 'on'
}

export function stringOption (name: string, value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`)
  return value
}

/**
 * A decimal number option in (min, max] (`exclusiveMin`) or [min, max]; `fallback` when absent.
 * @throws {UsageError} naming `--name`, the range and the value
 */
export function numberOption<F> (name: string, value: string | boolean | undefined, fallback: F, range: { min: number, max: number, exclusiveMin?: boolean }): number | F {
  if (value === undefined) return fallback
  const text = typeof value === 'string' ? value.trim() : ''
  const parsed = /^-?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN
  const low = range.exclusiveMin === true ? parsed > range.min : parsed >= range.min
  if (!Number.isFinite(parsed) || !low || parsed > range.max) {
    const bounds = `${range.exclusiveMin === true ? 'greater than' : 'at least'} ${range.min} and at most ${range.max}`
    throw new UsageError(`--${name} must be a number ${bounds}, got ${JSON.stringify(value)}`)
  }
  return parsed
}
