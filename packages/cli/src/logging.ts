import { formatWithOptions } from 'node:util'
import { defaultComponentLogger, type ComponentLogger, type Logger } from '@pokt-p2p/types'

/** One line a {@link jsonLogger} writes (as JSON): what `node` prints on stderr for each log call. */
export interface JsonLogRecord {
  /** always `log`, so log lines sort apart from the node's other JSON events */
  event: 'log'
  /** `debug` for `log(...)`, `error` for `log.error(...)`, `trace` for `log.trace(...)` */
  level: 'debug' | 'error' | 'trace'
  /** the component's namespace, e.g. `pokt:raintree` (without the `:error`/`:trace` suffix of `debug`) */
  namespace: string
  /** ISO 8601 time of the call */
  time: string
  /** the message, its `%s`, `%d`, `%o`, `%e` (error), `%p` (peer id), `%a` (multiaddr)… arguments substituted */
  message: string
}

/** Options of {@link jsonLogger}. */
export interface JsonLoggerInit {
  /**
   * Where each line goes (one JSON object, no newline).
   * @default a line on stderr
   */
  write?: (line: string) => void
  /**
   * Whether a namespace's debug or trace lines are enabled; `name` carries the `:trace` suffix for trace.
   * @default the `DEBUG` environment variable, matched exactly as libp2p's own logger (`debug`) matches it
   */
  enabled?: (name: string) => boolean
  /**
   * Namespaces whose errors are written even when `DEBUG` does not name them: an operator must see a failed send
   * or an unreachable peer without knowing a variable. Other namespaces' errors (libp2p's, which are often
   * routine) follow `DEBUG` like their debug lines.
   * @default ['pokt:']
   */
  alwaysErrors?: string[]
}

/**
 * A libp2p `ComponentLogger` that writes one JSON object per log call ({@link JsonLogRecord}) instead of `debug`'s
 * coloured text, for log collectors. Namespaces are enabled with `DEBUG` exactly as for libp2p (`DEBUG=pokt:*`,
 * `DEBUG=pokt:*,libp2p:dialer*`, `-pokt:transport` to exclude, `pokt:*:trace` for trace lines); the matching is
 * `debug`'s own, read through the default logger of `@pokt-p2p/types`. Errors of `pokt:` namespaces are always
 * written.
 */
export function jsonLogger (init: JsonLoggerInit = {}): ComponentLogger {
  const write = init.write ?? ((line: string) => { process.stderr.write(line + '\n') })
  const alwaysErrors = init.alwaysErrors ?? ['pokt:']
  const enabled = init.enabled ?? debugEnabled
  const make = (namespace: string): Logger => {
    const emit = (level: JsonLogRecord['level'], on: boolean): ((formatter: unknown, ...args: unknown[]) => void) & { enabled: boolean } =>
      Object.assign((formatter: unknown, ...args: unknown[]): void => {
        if (!on) return
        const record: JsonLogRecord = { event: 'log', level, namespace, time: new Date().toISOString(), message: formatMessage(formatter, args) }
        write(JSON.stringify(record))
      }, { enabled: on })
    const debug = emit('debug', enabled(namespace))
    return Object.assign(debug, {
      error: emit('error', alwaysErrors.some(prefix => namespace.startsWith(prefix)) || enabled(`${namespace}:error`)),
      trace: emit('trace', enabled(`${namespace}:trace`)),
      newScope: (scope: string) => make(`${namespace}:${scope}`)
    })
  }
  return { forComponent: make }
}

/**
 * Whether `DEBUG` enables `name`, asked of the `debug`-based logger libp2p uses (the same parsing of `DEBUG`, and
 * libp2p's rule that trace lines need a `:trace` pattern of their own).
 */
function debugEnabled (name: string): boolean {
  const trace = name.endsWith(':trace')
  const log = defaultComponentLogger().forComponent(trace ? name.slice(0, -':trace'.length) : name)
  return trace ? (log.trace as { enabled?: boolean }).enabled === true : log.enabled
}

/**
 * `printf`-style substitution as `debug` does it, with libp2p's extra specifiers: `%e` an error (its name and
 * message, not its stack: one line per call), `%p` a peer id, `%a` a multiaddr, `%c` a CID, `%k` a key (all
 * through `toString()`; any other letter too). `%s %d %i %f %j %o %O %%` are Node's own (`util.format`), on one line.
 */
export function formatMessage (formatter: unknown, args: unknown[]): string {
  if (typeof formatter !== 'string') return formatWithOptions({ breakLength: Infinity }, formatter, ...args)
  const rest = [...args]
  let i = 0
  // replace the libp2p specifiers by %s over a converted argument; leave the others to util.format
  const text = formatter.replace(/%([a-zA-Z%])/g, (m, spec: string) => {
    if (spec === '%') return m
    const index = i++
    if (index >= rest.length) return m
    const v = rest[index]
    if (spec === 'e') { rest[index] = v instanceof Error ? `${v.name}: ${v.message}` : String(v); return '%s' }
    if (spec === 'p' || spec === 'a' || spec === 'c' || spec === 'k') { rest[index] = String(v); return '%s' }
    if (!'sdifjoO'.includes(spec)) { rest[index] = String(v); return '%s' }
    return m
  })
  return formatWithOptions({ breakLength: Infinity }, text, ...rest)
}
