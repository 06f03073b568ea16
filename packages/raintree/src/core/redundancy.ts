/** Receives the view index of one redundancy copy (see {@link forEachRedundancyTarget}). */
export type CopySink = (index: number) => void

/**
 * The redundancy layer's targets of a broadcast: besides its tree sends, the originator sends a copy that is
 * delivered and never propagated to at most `maxCopies` other nodes of its view, spread evenly over the view so
 * that a range the tree loses (a dead head, a view that misses it) likely holds one of them. The candidates are the
 * view's indices that are neither the originator (index 0 when `selfInView`) nor one of `treeTargets`; the k-th of
 * m copies goes to the ⌊(2k + 1) · C / 2m⌋-th of the C candidates (the middle of the k-th of m equal slices), in
 * increasing index order. Deterministic, O(m + t log t) for t tree targets: no list of the view is made.
 *
 * @param viewLength - length of the originator's sorted, self-rotated view
 * @param treeTargets - view indices the broadcast's tree already sends to (any order; out-of-view ones ignored)
 * @param maxCopies - the cap: an integer ≥ 0 (a cap of N or more sends to every candidate, the specification's
 *   whole list); undefined for the default, as many copies as there are tree targets (the originator's upload at
 *   most doubles)
 * @param sink - called once per copy with its view index
 * @param selfInView - false for a client-only originator (index 0 is then a real peer, and a candidate)
 * @returns the number of copies: min(cap, C)
 */
export function forEachRedundancyTarget (
  viewLength: number, treeTargets: ArrayLike<number>, maxCopies: number | undefined, sink: CopySink, selfInView = true
): number {
  const start = selfInView ? 1 : 0
  // the tree's targets in the candidates' range, sorted, each once
  const targets = Array.from(treeTargets).filter(i => i >= start && i < viewLength).sort((a, b) => a - b)
    .filter((i, k, sorted) => k === 0 || sorted[k - 1] !== i)
  const candidates = viewLength - start - targets.length
  const copies = Math.floor(Math.min(maxCopies ?? treeTargets.length, candidates))
  if (!(copies > 0)) return 0
  // the c-th candidate is the index start + c + (tree targets at or below it): merged with the sorted targets,
  // as c only grows (slices of C / m ≥ 1 candidates each: distinct and increasing)
  let t = 0
  for (let k = 0; k < copies; k++) {
    let index = start + Math.floor(((2 * k + 1) * candidates) / (2 * copies)) + t
    while (t < targets.length && targets[t]! <= index) {
      t++
      index++
    }
    sink(index)
  }
  return copies
}

/** {@link forEachRedundancyTarget} as an array of view indices, in increasing order. */
export function planRedundancy (
  viewLength: number, treeTargets: ArrayLike<number>, maxCopies: number | undefined, selfInView = true
): number[] {
  const out: number[] = []
  forEachRedundancyTarget(viewLength, treeTargets, maxCopies, index => { out.push(index) }, selfInView)
  return out
}
