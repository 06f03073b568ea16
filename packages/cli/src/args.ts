import { parseArgs } from 'node:util'
import { PocketP2PError } from '@pokt-p2p/types'

/** A command-line argument is missing or invalid; the message names it. */
export class UsageError extends PocketP2PError {
  static override name = 'UsageError'
}

type OptionSpec = Record<string, { type: 'string' | 'boolean', short?: string }>

/** Parses `argv` strictly: unknown options and stray positionals are usage errors naming them. */
export function parseOptions<T extends OptionSpec> (argv: string[], spec: T, command: string): Record<keyof T | 'help', string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true })
    if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[0])}`)
    return values as unknown as Record<keyof T | 'help', string | boolean | undefined>
  } catch (err) {
    if (err instanceof UsageError) throw err
    throw new UsageError(`${command}: ${(err as Error).message}`, { cause: err })
  }
}

/** An integer option in [min, max]; `fallback` when absent. */
export function intOption (name: string, value: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(value)}`)
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`)
  return n
}

/** One of `choices`; `fallback` when absent. */
export function choiceOption<C extends string> (name: string, value: string | boolean | undefined, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`)
  }
  return value as C
}

export function stringOption (name: string, value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`)
  return value
}
