const HEX = /^[0-9a-fA-F]*$/

/** Decodes hex (either case); returns undefined for odd length or non-hex characters. */
export function tryHexToBytes (hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !HEX.test(hex)) return undefined
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Lowercase hex, as the reference prints keys and addresses. */
export function bytesToHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
