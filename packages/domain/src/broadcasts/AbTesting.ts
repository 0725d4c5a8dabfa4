import { ValidationFailed } from "../errors.js"

export const AB_LIMITS = {
  minVariants: 2,
  maxVariants: 5,
  minSample: 5,
  maxSample: 50,
  defaultSample: 20,
  minDuration: 30,
  maxDuration: 1440,
  defaultDuration: 120
} as const

/** The A/B rules a create or update must meet, or the first one broken. */
export const checkAbTest = (test: {
  readonly weights: ReadonlyArray<number>
  readonly samplePercent: number
  readonly durationMinutes: number
}): ValidationFailed | undefined => {
  const { weights, samplePercent, durationMinutes } = test
  if (weights.length < AB_LIMITS.minVariants || weights.length > AB_LIMITS.maxVariants)
    return new ValidationFailed({ message: "ab_test.variants: between 2 and 5 variants" })
  if (weights.some((w) => !Number.isInteger(w) || w < 1 || w > 100))
    return new ValidationFailed({ message: "ab_test.variants: each weight is a whole number from 1 to 100" })
  const sum = weights.reduce((a, b) => a + b, 0)
  if (sum !== 100)
    return new ValidationFailed({ message: `ab_test.variants: weights must sum to 100 (got ${sum})` })
  if (
    !Number.isInteger(samplePercent) ||
    samplePercent < AB_LIMITS.minSample ||
    samplePercent > AB_LIMITS.maxSample
  )
    return new ValidationFailed({ message: "ab_test.test_sample_size: a whole percentage from 5 to 50" })
  if (
    !Number.isInteger(durationMinutes) ||
    durationMinutes < AB_LIMITS.minDuration ||
    durationMinutes > AB_LIMITS.maxDuration
  )
    return new ValidationFailed({ message: "ab_test.test_duration_minutes: whole minutes from 30 to 1440" })
  return undefined
}

/** How many of an audience of `total` the test sample takes: at least one per variant when there are that many. */
export const sampleSize = (total: number, samplePercent: number, variants: number) =>
  Math.min(total, Math.max(variants, Math.ceil((total * samplePercent) / 100)))

/**
 * The sample positions each variant takes: variant `i` gets positions below `bounds[i]` (and at or
 * above the previous bound), so a sample of `size` splits by weight with the last variant taking
 * what rounding left.
 */
export const variantBounds = (weights: ReadonlyArray<number>, size: number): ReadonlyArray<number> => {
  let cumulative = 0
  return weights.map((w, i) => {
    cumulative += w
    return i === weights.length - 1 ? size : Math.floor((size * cumulative) / 100)
  })
}

/** The variant (by index) of the sample's `position`-th recipient (0-based). */
export const variantAt = (bounds: ReadonlyArray<number>, position: number) => {
  const index = bounds.findIndex((bound) => position < bound)
  return index === -1 ? bounds.length - 1 : index
}

export interface VariantResult {
  readonly id: number
  readonly delivered: number
  readonly opened: number
  readonly clicked: number
}

/**
 * The winner by the metric: the highest open or click rate over delivered mail; a tie goes to the
 * higher count of the other metric, then to the first variant.
 */
export const pickWinner = (
  results: ReadonlyArray<VariantResult>,
  metric: "open_rate" | "click_rate"
): number => {
  const score = (r: VariantResult) =>
    r.delivered === 0 ? 0 : (metric === "open_rate" ? r.opened : r.clicked) / r.delivered
  const other = (r: VariantResult) =>
    r.delivered === 0 ? 0 : (metric === "open_rate" ? r.clicked : r.opened) / r.delivered
  const [first, ...rest] = results
  if (first === undefined) throw new Error("pickWinner: no variants")
  return rest.reduce(
    (best, r) => (score(r) > score(best) || (score(r) === score(best) && other(r) > other(best)) ? r : best),
    first
  ).id
}
