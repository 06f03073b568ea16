import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { register } from 'prom-client'

/** A running `/metrics` endpoint ({@link serveMetrics}). */
export interface MetricsServer {
  /** where Prometheus scrapes, e.g. `http://127.0.0.1:9464/metrics` */
  readonly url: string
  /** Stops listening and closes open connections. */
  close: () => Promise<void>
}

/**
 * Serves prom-client's global registry — where `@libp2p/prometheus-metrics` registers libp2p's metrics and ours —
 * at `GET /metrics` in Prometheus' text format; every other path is a 404. Rejects with the listen error (e.g.
 * `EADDRINUSE`) when the port cannot be had.
 * @param port - the port (0 for any free one)
 * @param host - the address to listen on
 */
export async function serveMetrics (port: number, host: string): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n')
      return
    }
    register.metrics().then(text => {
      res.writeHead(200, { 'content-type': register.contentType }).end(req.method === 'HEAD' ? undefined : text)
    }, (err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`cannot collect metrics: ${(err as Error).message}\n`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address() as AddressInfo
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    url: `http://${shownHost}:${bound.port}/metrics`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}
