import { createServer, type Server } from 'node:net'
import { PortConflictError, PortInUseError, PortUnavailableError } from './errors.js'

/** A port a command will listen on, and what it is for (named in errors). */
export interface PortClaim {
  /** the host it will listen on (`0.0.0.0` / `::` for every address) */
  host: string
  /** the port; 0 (any free one) is never checked */
  port: number
  /** what needs it, e.g. `rpc.port of /etc/node.json` or `--metrics-port` */
  what: string
}

const WILDCARDS = new Set(['0.0.0.0', '::', ''])

/**
 * Checks, before a command starts anything, that it can listen on every port it will need: each is bound for a
 * moment and released. So a port in use fails the command at once with one line naming it, rather than after the P2P
 * node started (and bootstrapped) as a stack trace. Another process may still take a port between this check and
 * the real listen: the listeners keep reporting that as {@link PortInUseError} too.
 * @throws {PortConflictError} when two claims name the same port on overlapping hosts
 * @throws {PortInUseError} when a port is taken (`EADDRINUSE`)
 * @throws {PortUnavailableError} when a port cannot be listened on for another reason (e.g. `EACCES`)
 */
export async function checkPortsFree (claims: PortClaim[]): Promise<void> {
  const checked = claims.filter(c => c.port !== 0)
  checked.forEach((c, i) => {
    const earlier = checked.slice(0, i).find(e => e.port === c.port && (e.host === c.host || WILDCARDS.has(e.host) || WILDCARDS.has(c.host)))
    if (earlier !== undefined) throw new PortConflictError(c.port, earlier.what, c.what)
  })
  for (const c of checked) {
    let server: Server
    try {
      server = await listen(c.port, c.host)
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code === 'EADDRINUSE') throw new PortInUseError(c.host, c.port, c.what, { cause: err })
      throw new PortUnavailableError(c.host, c.port, c.what, (err as Error).message, { cause: err })
    }
    await new Promise(resolve => server.close(resolve))
  }
}

async function listen (port: number, host: string): Promise<Server> {
  return await new Promise<Server>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    // exclusive: a cluster worker must not share a port the primary holds, and the check is about this process
    server.listen({ port, host, exclusive: true }, () => { resolve(server) })
  })
}
