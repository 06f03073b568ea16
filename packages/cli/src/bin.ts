#!/usr/bin/env node
// The polyfill must load before libp2p (Node 20 lacks Promise.withResolvers).
import '@pokt-p2p/transport/polyfill'
import { main } from './main.js'

const controller = new AbortController()
let signals = 0
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++
    // a second signal means "now": do not wait for a clean shutdown
    if (signals > 1) process.exit(130)
    controller.abort(new Error(`received ${sig}`))
  })
}

const code = await main(process.argv.slice(2), {
  out: text => { process.stdout.write(text + '\n') },
  log: text => { process.stderr.write(text + '\n') },
  interactive: process.stderr.isTTY === true,
  signal: controller.signal
})
process.exitCode = code
// libp2p may keep timers briefly after stop; the command is done, so leave promptly
setTimeout(() => process.exit(code), 1000).unref()
