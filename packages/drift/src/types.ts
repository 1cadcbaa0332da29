/** `ok` when the test ran; `insufficient_data` when an input had too few usable values. */
export type TestStatus = 'ok' | 'insufficient_data';

/**
 * The result of a two-sample numerical test or distance.
 *
 * When `status` is `insufficient_data`, `statistic` is 0 and `pValue` is 1 (tests) or null
 * (distances): "no evidence of drift", never NaN.
 */
export interface TwoSampleResult {
  /** The test statistic or distance. */
  readonly statistic: number;
  /** The p-value; null for distances, which have none. */
  readonly pValue: number | null;
  /** Whether the test could run. */
  readonly status: TestStatus;
  /** Usable (finite) values in the reference. */
  readonly referenceSize: number;
  /** Usable (finite) values in the current sample. */
  readonly currentSize: number;
  /** Entries ignored (null, NaN, ±Infinity) per side. */
  readonly ignored: { readonly reference: number; readonly current: number };
  /** Which computation ran, e.g. `exact` or `asymptotic` for KS/CvM; absent for distances. */
  readonly mode?: string;
  /** Why the result is `insufficient_data`. */
  readonly reason?: string;
}

/** A two-sample test result: always has a p-value. */
export interface TwoSampleTestResult extends TwoSampleResult {
  /** The p-value in [0, 1]. */
  readonly pValue: number;
}
