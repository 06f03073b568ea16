#!/usr/bin/env node
// The polyfill must load before libp2p (Node 20 lacks Promise.withResolvers).
import '@pokt-p2p/transport/polyfill'
import { spawn } from 'node:child_process'
import { InterruptedError, SIGNAL_NUMBERS, type StopSignal } from './errors.js'
import { main } from './main.js'

/** Set in the environment of a process started by `rerun`, which then offers no `rerun` of its own. */
const RERUN_ENV = 'POKT_P2P_RERUN'

const controller = new AbortController()
for (const sig of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) {
  process.on(sig, () => {
    // a second signal means "now": do not wait for a clean shutdown
    if (controller.signal.aborted) process.exit(128 + SIGNAL_NUMBERS[sig])
    controller.abort(new InterruptedError(sig))
  })
}

const rerun = async (nodeOptions: string[]): Promise<number> => {
  // its own process group, so that a terminal's Ctrl-C reaches it once, through this process; the IPC channel
  // tells it when this process is gone (see below)
  const child = spawn(process.execPath, [...process.execArgv, ...nodeOptions, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true, env: { ...process.env, [RERUN_ENV]: '1' }
  })
  const forward = (): void => { child.kill((controller.signal.reason as InterruptedError).signal) }
  controller.signal.addEventListener('abort', forward, { once: true })
  return await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      controller.signal.removeEventListener('abort', forward)
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal as StopSignal] ?? 9))
    })
  })
}
const isRerun = process.env[RERUN_ENV] === '1'
// the process that started this one is gone (killed, or it crashed): stop as on SIGTERM rather than live on alone
if (isRerun) process.once('disconnect', () => { controller.abort(new InterruptedError('SIGTERM')) })

const code = await main(process.argv.slice(2), {
  out: text => { process.stdout.write(text + '\n') },
  log: text => { process.stderr.write(text + '\n') },
  interactive: process.stderr.isTTY === true,
  signal: controller.signal,
  ...(isRerun ? {} : { rerun })
})
process.exitCode = code
// libp2p may keep timers briefly after stop; the command is done, so leave promptly
setTimeout(() => process.exit(code), 1000).unref()
