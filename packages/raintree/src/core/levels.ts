/**
 * RainTree numerics, bit-for-bit identical to the Go reference (`p2p/raintree/peerstore_utils.go`,
 * `peers_manager.go`). Everything here is pure and O(1) or O(log N).
 */

// Module-level aliases: under a vm context (jest) every global lookup in a hot loop is slow.
const { floor, trunc } = Math

/** Go `float64(1)/float64(3)` (bits 0x3FD5555555555555): position of the first target in a window. */
export const FIRST_TARGET_PERCENTAGE = 1 / 3
/** Go `float64(2)/float64(3)` (bits 0x3FE5555555555555): position of the second target in a window. */
export const SECOND_TARGET_PERCENTAGE = 2 / 3
/** Go `shrinkagePercentage`: each level down, the window shrinks to 2/3. */
export const SHRINKAGE_PERCENTAGE = 2 / 3
/** Go `maxLevelsLogBase`. */
export const MAX_LEVELS_LOG_BASE = 3
/** Go `floatPrecision`: `ln(N)/ln(3)` is rounded to this before `ceil`. */
export const FLOAT_PRECISION = 0.0000001

/**
 * `x^k` for a non-negative integer `k`, computed exactly as Go's `math.Pow` does for integer exponents:
 * binary exponentiation with one rounding per multiply. JavaScript's `Math.pow` is (nearly) correctly rounded and
 * differs by an ulp for k ≥ 3, which moves RainTree targets whenever N is a multiple of 3^k (N = 81 level 1:
 * Go size 24, `Math.pow` 23). Reference spec §5.3.
 */
export function goPowInt (x: number, k: number): number {
  if (k === 0 || x === 1) return 1
  if (k === 1) return x
  let acc = 1
  let base = x
  for (let i = k; i !== 0; i = floor(i / 2)) {
    if (i % 2 === 1) acc *= base
    base *= base
  }
  return acc
}

// (2/3)^k for the k RainTree can use (maxNumLevels ≤ ~20 for any N a Number can count); filled lazily.
const SHRINK_POW: number[] = []
function shrinkPow (k: number): number {
  let v = SHRINK_POW[k]
  if (v === undefined) {
    v = goPowInt(SHRINKAGE_PERCENTAGE, k)
    if (k < 256) SHRINK_POW[k] = v
  }
  return v
}

/** Go `math.Round`: half away from zero. */
function goRound (v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v)
}

/**
 * The reference's `maxNumLevels = uint32(ceil(round(ln N / ln 3, 1e-7)))`, where `round(v, p) = Round(v/p)·p`.
 * N ≤ 1 gives 0 (Go: `ln 0 = -Inf` converts to 0 on amd64; `ln 1 = 0`).
 */
export function maxNumLevels (n: number): number {
  if (!(n > 1)) return 0
  const raw = Math.log(n) / Math.log(MAX_LEVELS_LOG_BASE)
  return Math.ceil(goRound(raw / FLOAT_PRECISION) * FLOAT_PRECISION)
}

/** ceil(log3(r)) for an integer r ≥ 1, exactly (integer arithmetic). 0 for r ≤ 1. */
export function ceilLog3 (r: number): number {
  let k = 0
  for (let p = 1; p < r; p *= 3) k++
  return k
}

/**
 * The reference's window ("peerstore size") at `level`: `int(len(view) · Pow(2/3, maxLevels − level))` with Go's
 * Pow. A level above `maxLevels` is clamped to `maxLevels` (the window is the whole view); the reference instead
 * wraps the uint32 subtraction and gets 0.
 */
export function windowSize (viewLength: number, maxLevels: number, level: number): number {
  const l = level > maxLevels ? maxLevels : level
  return trunc(viewLength * shrinkPow(maxLevels - l))
}

/** Go `int(p · size)` for the two target percentages: view indices of the two targets in a window of `size`. */
export function referenceTargetIndices (size: number): [number, number] {
  return [trunc(FIRST_TARGET_PERCENTAGE * size), trunc(SECOND_TARGET_PERCENTAGE * size)]
}
