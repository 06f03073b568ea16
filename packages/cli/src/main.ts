import { PocketP2PError } from '@pokt-p2p/types'
import { UsageError } from './args.js'
import type { CommandContext } from './context.js'
import { genesis } from './commands/genesis.js'
import { keygen } from './commands/keygen.js'
import { localnet } from './commands/localnet.js'
import { node } from './commands/node.js'

export const usage = `pokt-p2p <command> [options]

commands:
  localnet   start a local network in this process, broadcast once, print a report (the demo)
  node       run one long-lived node from a JSON config
  keygen     print a new key, or the reference's deterministic test key
  genesis    write a genesis file (and node configs) for a multi-process local network

'pokt-p2p <command> --help' describes a command's options.`

const commands: Record<string, (argv: string[], ctx: CommandContext) => Promise<number>> = { localnet, node, keygen, genesis }

/** Runs the CLI; returns the exit code. Errors are printed as one line naming the problem, never a stack. */
export async function main (argv: string[], ctx: CommandContext): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    ctx.out(usage)
    return command === undefined ? 2 : 0
  }
  const run = commands[command]
  if (run === undefined) {
    ctx.log(`pokt-p2p: unknown command ${JSON.stringify(command)}\n\n${usage}`)
    return 2
  }
  try {
    return await run(rest, ctx)
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.log(`pokt-p2p: ${err.message}\n(run 'pokt-p2p ${command} --help' for options)`)
      return 2
    }
    if (err instanceof PocketP2PError || (err instanceof Error && err.name.endsWith('Error') && err.name !== 'Error' && err.name !== 'TypeError')) {
      ctx.log(`pokt-p2p ${command}: ${err.name}: ${err.message}`)
      return 1
    }
    ctx.log(`pokt-p2p ${command}: unexpected failure: ${(err as Error)?.stack ?? String(err)}`)
    return 1
  }
}
