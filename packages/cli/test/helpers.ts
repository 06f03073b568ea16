import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { main, type CommandContext } from '../src/index.js'

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** Runs the CLI in this process; returns exit code and what it wrote. */
export async function run (argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const ctx: CommandContext = {
    out: t => { out += t + '\n' },
    log: t => { err += t + '\n' },
    interactive: false,
    signal: new AbortController().signal
  }
  const code = await main(argv, ctx)
  return { code, out, err }
}

/** Runs the built binary as a real process to completion. */
export async function runBin (argv: string[], timeoutMs = 60_000): Promise<{ code: number | null, out: string, err: string }> {
  const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>(resolve => child.on('exit', c => { resolve(c) }))
  clearTimeout(timer)
  return { code, out, err }
}

/** A long-running binary whose stdout lines (JSON events) can be awaited. */
export function startBin (argv: string[]): { child: ChildProcess, lines: string[], err: () => string, waitFor: (pred: (line: string) => boolean, timeoutMs?: number) => Promise<string>, exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let err = ''
  let partial = ''
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString()
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    for (const w of waiters.splice(0)) w()
  })
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  const exit = new Promise<number | null>(resolve => child.on('exit', c => { resolve(c); for (const w of waiters.splice(0)) w() }))
  const waitFor = async (pred: (line: string) => boolean, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = lines.find(pred)
      if (hit !== undefined) return hit
      if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) first; stderr:\n${err}`)
      if (Date.now() > deadline) throw new Error(`timed out; stdout:\n${lines.join('\n')}\nstderr:\n${err}`)
      await new Promise<void>(resolve => { waiters.push(resolve); setTimeout(resolve, 200) })
    }
  }
  return { child, lines, err: () => err, waitFor, exit }
}

/** `count` consecutive free loopback ports. */
export async function freePortRange (count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const servers = []
    try {
      for (let i = 0; i < count; i++) {
        servers.push(await new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer()
          s.once('error', reject)
          s.listen(base + i, '127.0.0.1', () => { resolve(s) })
        }))
      }
      return base
    } catch {
      // taken: try another range
    } finally {
      await Promise.all(servers.map(async s => await new Promise(resolve => s.close(resolve))))
    }
  }
  throw new Error('no free port range')
}
