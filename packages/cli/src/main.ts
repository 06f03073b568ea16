import { readFileSync } from 'node:fs'
import { PocketP2PError } from '@pokt-p2p/types'
import { didYouMean } from './args.js'
import { addressInUse, InterruptedError, interruptedExitCode, PortInUseError, UsageError } from './errors.js'
import type { CommandContext } from './context.js'
import { bench } from './commands/bench.js'
import { genesis } from './commands/genesis.js'
import { keygen } from './commands/keygen.js'
import { localnet } from './commands/localnet/index.js'
import { node } from './commands/node.js'
import { simulateCommand } from './commands/simulate.js'
import { testbed } from './commands/testbed/index.js'

/** The top-level help text (`pokt-p2p --help`). */
export const usage = `pokt-p2p <command> [options]

commands:
  localnet   start a local network in this process, broadcast once, print a report (the demo)
  bench      RainTree against gossipsub on the same local networks: time to full coverage, copies, bytes
  node       run one long-lived node from a JSON config
  keygen     print a new key, or the reference's deterministic test key
  genesis    write a genesis file (and node configs) for a multi-process local network
  simulate   simulate one RainTree broadcast among up to millions of routers in virtual time, with faults
  testbed    (Linux, root) N node processes in their own network namespaces, with uplink limits and faults:
             broadcasts measured from the nodes' logs and /metrics; 'testbed clean' removes a killed run's leftovers

'pokt-p2p <command> --help' describes a command's options; 'pokt-p2p --version' prints the version.
SIGINT (Ctrl-C) or SIGTERM stops any command cleanly (exit status 130 or 143); a second one exits at once.`

const commands: Record<string, (argv: string[], ctx: CommandContext) => Promise<number>> = { localnet, bench, node, keygen, genesis, simulate: simulateCommand, testbed }

/** This package's version (package.json is one directory above both src/ and dist/). */
export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** Runs the CLI; returns the exit code. Errors are printed as one line naming the problem, never a stack. */
export async function main (argv: string[], ctx: CommandContext): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    ctx.out(usage)
    return command === undefined ? 2 : 0
  }
  if (command === '--version') {
    ctx.out(version)
    return 0
  }
  const run = commands[command]
  if (run === undefined) {
    const what = command.startsWith('-') ? 'option' : 'command'
    ctx.log(`pokt-p2p: unknown ${what} ${JSON.stringify(command)}${didYouMean(command, [...Object.keys(commands), '--help', '--version'])}\n\n${usage}`)
    return 2
  }
  try {
    return await run(rest, ctx)
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.log(`pokt-p2p: ${err.message}\n(run 'pokt-p2p ${command} --help' for options)`)
      return 2
    }
    if (err instanceof InterruptedError || (ctx.signal.aborted && err === ctx.signal.reason)) {
      ctx.log(`pokt-p2p ${command}: ${(err as Error).message ?? 'interrupted'}`)
      return interruptedExitCode(err)
    }
    const inUse = err instanceof PortInUseError ? err : addressInUse(err)
    if (inUse !== undefined) {
      ctx.log(`pokt-p2p ${command}: ${inUse instanceof PortInUseError ? inUse.message : `port ${inUse.port} on ${inUse.host} is already in use by another process`}`)
      return 1
    }
    if (err instanceof PocketP2PError || (err instanceof Error && err.name.endsWith('Error') && err.name !== 'Error' && err.name !== 'TypeError')) {
      ctx.log(`pokt-p2p ${command}: ${err.name}: ${err.message}`)
      return 1
    }
    ctx.log(`pokt-p2p ${command}: unexpected failure: ${(err as Error)?.stack ?? String(err)}`)
    return 1
  }
}
