/**
 * README examples as tests, shared by every package: a README's TypeScript examples are the files in the package's
 * `examples/` folder, type-checked with the package (its tsconfig.json includes them) and run by its
 * `test/examples.test.ts`. A README code block preceded by `<!-- example: examples/<file>.ts -->` must equal that
 * file, every example file must appear in the README, and no untagged TypeScript block may remain.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { format } from 'node:util'
import { expect, it, jest } from '@jest/globals'

interface CodeBlock { lang: string, code: string, example?: string }

/** The fenced code blocks of a markdown text, each with the `<!-- example: … -->` tag on the line before it. */
export function codeBlocks (markdown: string): CodeBlock[] {
  const lines = markdown.split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const lang = /^\s*```(\S*)/.exec(lines[i] ?? '')?.[1]
    if (lang === undefined) continue
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```')
    if (end < 0) throw new Error(`README.md:${i + 1}: unterminated code block`)
    const example = /^<!-- example: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1]
    blocks.push({ lang, code: lines.slice(i + 1, end).join('\n') + '\n', ...(example === undefined ? {} : { example }) })
    i = end
  }
  return blocks
}

/**
 * Registers the test that the README at `packageUrl` (the package folder, ending in `/`) shows exactly the files
 * of its `examples/` folder.
 */
export function itShowsEveryExampleInTheReadme (packageUrl: URL): void {
  it('every TypeScript block of the README is tagged and equals its file in examples/', () => {
    const blocks = codeBlocks(readFileSync(new URL('README.md', packageUrl), 'utf8'))
    expect(blocks.filter(b => /^(ts|typescript|js|javascript)$/.test(b.lang) && b.example === undefined)).toEqual([])
    for (const { example, code } of blocks) {
      if (example !== undefined) expect({ example, code }).toEqual({ example, code: readFileSync(new URL(example, packageUrl), 'utf8') })
    }
    const files = readdirSync(new URL('examples/', packageUrl)).map(f => `examples/${f}`).sort()
    expect(blocks.flatMap(b => b.example ?? []).sort()).toEqual(files)
  })
}

/** What keeps a process alive (sockets, servers, ref'ed timers…), counted by type. */
function openResources (): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

/**
 * Runs an example's top-level code by importing it, as `node` would run the file, and returns what it printed with
 * `console.log`. Fails when the example leaves a handle open (a program that did would not exit).
 */
export async function runExample (packageUrl: URL, file: string): Promise<string[]> {
  // stdin, stdout and stderr open their handles on first use, whoever uses them: open them before counting
  void [process.stdin, process.stdout, process.stderr]
  const before = openResources()
  const log = jest.spyOn(console, 'log').mockImplementation(() => {})
  let printed: string[]
  try {
    await import(fileURLToPath(new URL(file, packageUrl)))
  } finally {
    printed = log.mock.calls.map(args => format(...args))
    log.mockRestore()
  }
  // closing completes asynchronously: wait until every handle the example opened is gone, or fail after 5 s
  let left: string[] = []
  for (let attempt = 0; attempt < 50; attempt++) {
    const now = openResources()
    left = [...now].filter(([type, n]) => n > (before.get(type) ?? 0)).map(([type, n]) => `${type} +${n - (before.get(type) ?? 0)}`)
    if (left.length === 0) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  expect(left).toEqual([])
  return printed
}
