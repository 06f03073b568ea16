/**
 * Why one bootstrap target could not be used: an RPC node (providers' bootstrap, by URL) or a peer to dial (the
 * background router's bootstrap, by pocket address).
 */
export interface BootstrapFailure {
  /** the URL of the bootstrap node, or the pocket address of the peer */
  target: string
  /** attempts made (each retry counts; 0 when the target was unusable before any attempt) */
  attempts: number
  /** the last attempt's error */
  error: Error
}
