/** What the benchmarks print about the machine they ran on, and how much CPU the host took away meanwhile. */
import { readFileSync } from 'node:fs'
import os from 'node:os'

/** One line: Node version, CPUs, memory. */
export function machine (): string {
  const cpus = os.cpus()
  return `node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`
}

/** Jiffies of the whole machine from /proc/stat (Linux): busy by others, stolen by the hypervisor, total. */
function jiffies (): { user: number, steal: number, total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    return { user: (fields[0] ?? 0) + (fields[2] ?? 0), steal: fields[7] ?? 0, total: fields.slice(0, 8).reduce((s, x) => s + x, 0) }
  } catch {
    return undefined
  }
}

/**
 * Starts measuring; the returned function says how much CPU this process used (user + system, s) and what share of
 * the machine's CPU time the hypervisor stole meanwhile (a busy shared host makes wall times longer than CPU times).
 */
export function measureCpu (): () => string {
  const cpu0 = process.cpuUsage()
  const j0 = jiffies()
  return () => {
    const cpu = process.cpuUsage(cpu0)
    const j1 = jiffies()
    const steal = j0 === undefined || j1 === undefined || j1.total === j0.total
      ? ''
      : `, host steal ${((100 * (j1.steal - j0.steal)) / (j1.total - j0.total)).toFixed(0)} %`
    return `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s${steal}`
  }
}
