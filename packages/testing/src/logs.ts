import type { ComponentLogger, Logger } from '@pokt-p2p/types'

/** One line a {@link captureLogs} logger received. */
export interface CapturedLogLine {
  /** the component's namespace, e.g. `pokt:raintree` (`:error` and `:trace` appended for those levels) */
  namespace: string
  /** the message with its `%s`/`%d`/`%o`… arguments substituted */
  text: string
}

/**
 * A `ComponentLogger` that keeps every line (all levels, always enabled) in `lines`, for tests that check what a
 * component logs.
 *
 * @example
 * ```ts
 * const logs = captureLogs()
 * const router = rainTree()({ ...components, logger: logs.logger })
 * // … a send fails …
 * logs.lines.filter(l => l.namespace === 'pokt:raintree:error')
 * ```
 */
export function captureLogs (): {
  /** inject this as the component's `logger` */
  logger: ComponentLogger
  /** what was logged so far, in order */
  lines: CapturedLogLine[]
} {
  const lines: CapturedLogLine[] = []
  const make = (namespace: string): Logger => {
    const at = (ns: string) => (formatter: unknown, ...args: unknown[]): void => {
      lines.push({ namespace: ns, text: format(formatter, args) })
    }
    return Object.assign(at(namespace), {
      enabled: true,
      error: Object.assign(at(`${namespace}:error`), { enabled: true }),
      trace: Object.assign(at(`${namespace}:trace`), { enabled: true }),
      newScope: (name: string) => make(`${namespace}:${name}`)
    }) as unknown as Logger
  }
  return { logger: { forComponent: make }, lines }
}

/** printf-style substitution as `debug` does it, for the common specifiers. */
export function format (formatter: unknown, args: unknown[]): string {
  if (typeof formatter !== 'string') return [formatter, ...args].map(show).join(' ')
  let i = 0
  const text = formatter.replace(/%([sdiOoj%])/g, (m, spec: string) => {
    if (spec === '%') return '%'
    if (i >= args.length) return m
    return show(args[i++])
  })
  return [text, ...args.slice(i).map(show)].join(' ')
}

function show (v: unknown): string {
  if (typeof v === 'string') return v
  if (v instanceof Error) return `${v.name}: ${v.message}`
  if (typeof v === 'bigint') return v.toString()
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}
