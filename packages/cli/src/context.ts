/** Where a command writes: `out` is the result (stdout), `log` is progress and diagnostics (stderr). */
export interface CommandContext {
  out: (text: string) => void
  log: (text: string) => void
  /** whether stderr is a terminal (progress lines are redrawn in place only then) */
  interactive: boolean
  /** aborts on SIGINT/SIGTERM */
  signal: AbortSignal
}
