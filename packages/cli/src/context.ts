/** Where a command writes: `out` is the result (stdout), `log` is progress and diagnostics (stderr). */
export interface CommandContext {
  /** writes one line of the command's result (stdout) */
  out: (text: string) => void
  /** writes one line of progress or diagnostics (stderr) */
  log: (text: string) => void
  /** whether stderr is a terminal (progress lines are redrawn in place only then) */
  interactive: boolean
  /**
   * aborts on SIGINT/SIGTERM, with an `InterruptedError` naming the signal as its reason (in the binary): a command
   * then releases what it opened and ends (exit status 130 / 143)
   */
  signal: AbortSignal
  /**
   * Runs this same command line again in a new node process with `nodeOptions` added (e.g. a larger heap), its
   * output and exit code becoming this one's; a stop signal is passed on to it. Only the binary offers it, and
   * never to the process it started, so a command cannot re-run itself twice.
   */
  rerun?: (nodeOptions: string[]) => Promise<number>
}
