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
}
