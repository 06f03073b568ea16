import { InvalidConfigError } from './errors.js'

/**
 * Returns `value` when it is a safe integer in [`min`, `max`]; throws an {@link InvalidConfigError} naming `field`
 * otherwise. The one integer check of every option in these packages.
 * @param field - the option's name, as the user wrote it (e.g. `maxMessageBytes`, `--nodes`)
 * @param value - the value to check (anything: it may come from JSON or a command line)
 * @param range - inclusive bounds; `max` defaults to `Number.MAX_SAFE_INTEGER`
 */
export function integerOption (field: string, value: unknown, range: { min: number, max?: number }): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < range.min || value > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${range.min}` : `an integer in [${range.min}, ${max}]`
    throw new InvalidConfigError(field, `must be ${bounds}, got ${shownValue(value)}`)
  }
  return value
}

/**
 * An option's value as the user wrote it, as far as it can be told, for an error message naming it; never throws (a
 * bigint or a cycle breaks JSON).
 */
export function shownValue (value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'bigint') return `${value}n`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
