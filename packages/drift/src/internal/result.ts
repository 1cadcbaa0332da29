import type { SortedSample } from '../samples.js';
import type { TwoSampleResult, TwoSampleTestResult } from '../types.js';

export function okResult(statistic: number, pValue: number, x: SortedSample, y: SortedSample, mode?: string): TwoSampleTestResult {
  return { statistic, pValue, status: 'ok', referenceSize: x.values.length, currentSize: y.values.length, ignored: { reference: x.ignored, current: y.ignored }, ...(mode ? { mode } : {}) };
}

export function okDistance(statistic: number, x: SortedSample, y: SortedSample): TwoSampleResult {
  return { statistic, pValue: null, status: 'ok', referenceSize: x.values.length, currentSize: y.values.length, ignored: { reference: x.ignored, current: y.ignored } };
}

export function insufficientTest(x: SortedSample, y: SortedSample, reason: string): TwoSampleTestResult {
  return { statistic: 0, pValue: 1, status: 'insufficient_data', referenceSize: x.values.length, currentSize: y.values.length, ignored: { reference: x.ignored, current: y.ignored }, reason };
}

export function insufficientDistance(x: SortedSample, y: SortedSample, reason: string): TwoSampleResult {
  return { statistic: 0, pValue: null, status: 'insufficient_data', referenceSize: x.values.length, currentSize: y.values.length, ignored: { reference: x.ignored, current: y.ignored }, reason };
}
