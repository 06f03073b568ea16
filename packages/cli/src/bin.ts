#!/usr/bin/env node
// The polyfill must load before libp2p (Node 20 lacks Promise.withResolvers).
import '@pokt-p2p/transport/polyfill'
import { InterruptedError, SIGNAL_NUMBERS, type StopSignal } from './errors.js'
import { main } from './main.js'

const controller = new AbortController()
for (const sig of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) {
  process.on(sig, () => {
    // a second signal means "now": do not wait for a clean shutdown
    if (controller.signal.aborted) process.exit(128 + SIGNAL_NUMBERS[sig])
    controller.abort(new InterruptedError(sig))
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
