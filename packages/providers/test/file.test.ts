import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import {
  FileReadError, FileTooLargeError, GenesisFileError, MAX_GENESIS_FILE_BYTES, NotARegularFileError, loadGenesisFile,
  readRegularFile, readRegularTextFile
} from '../src/index.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'pokt-file-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('readRegularFile: only regular files, bounded', () => {
  it('refuses a FIFO at once instead of blocking until a writer comes', async () => {
    const fifo = join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    const err = await readRegularFile(fifo).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotARegularFileError)
    expect((err as Error).message).toBe(`cannot read ${fifo}: it is a FIFO (named pipe), not a regular file`)
    // and with a writer holding it open, still refused (not read)
    const writer = await open(fifo, 'r+')
    try {
      await expect(readRegularFile(fifo)).rejects.toThrow(NotARegularFileError)
    } finally {
      await writer.close()
    }
  })

  it('refuses /dev/zero (a device) before reading a byte, and a directory', async () => {
    await expect(readRegularFile('/dev/zero')).rejects.toThrow('cannot read /dev/zero: it is a character device, not a regular file')
    await expect(readRegularFile(dir)).rejects.toThrow(`cannot read ${dir}: it is a directory, not a regular file`)
  })

  it('refuses a file longer than the cap (sparse: its size is checked before reading)', async () => {
    const big = join(dir, 'big')
    await writeFile(big, '')
    await truncate(big, 1024 * 1024 * 1024)
    const err = await readRegularFile(big, { maxBytes: 1000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FileTooLargeError)
    expect((err as Error).message).toBe(`cannot read ${big}: it has 1073741824 bytes, more than the 1000 bytes allowed`)
  })

  it('reads files whose size the system does not report (/proc), and stops past the cap there too', async () => {
    const text = await readRegularTextFile('/proc/self/status')
    expect(text).toMatch(/^Name:/)
    await expect(readRegularFile('/proc/self/status', { maxBytes: 10 })).rejects.toThrow(/longer than the 10 bytes allowed/)
  })

  it('names the file and the system reason when it cannot be opened', async () => {
    const missing = join(dir, 'missing.json')
    const err = await readRegularFile(missing).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FileReadError)
    expect((err as Error).message).toBe(`cannot read ${missing}: ENOENT: no such file or directory`)
  })

  it('honours an aborted signal', async () => {
    const f = join(dir, 'small')
    await writeFile(f, 'x')
    await expect(readRegularFile(f, { signal: AbortSignal.abort(new Error('stop')) })).rejects.toThrow('stop')
  })

  it('returns exactly the content up to the cap, refuses beyond (property)', async () => {
    const f = join(dir, 'prop')
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200_000 }), fc.integer({ min: 0, max: 200_000 }), async (bytes, maxBytes) => {
      await writeFile(f, bytes)
      const read = await readRegularFile(f, { maxBytes }).catch((e: unknown) => e)
      if (bytes.length <= maxBytes) expect(Buffer.compare(read as Buffer, Buffer.from(bytes))).toBe(0)
      else expect(read).toBeInstanceOf(FileTooLargeError)
    }), { numRuns: 40 })
  })
})

describe('genesis files go through it', () => {
  it('/dev/zero and a FIFO as the genesis file: a GenesisFileError naming the file and the reason', async () => {
    const fifo = join(dir, 'genesis-fifo')
    execFileSync('mkfifo', [fifo])
    for (const [path, kind] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO (named pipe)']]) {
      const err = await loadGenesisFile(path as string).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GenesisFileError)
      expect((err as Error).message).toBe(`genesis file ${path}: cannot read: it is ${kind}, not a regular file`)
      expect((err as Error).cause).toBeInstanceOf(NotARegularFileError)
    }
    expect(MAX_GENESIS_FILE_BYTES).toBe(16 * 1024 * 1024)
  })
})
