import { MlopsError } from '@mlops/contracts';
import { CostErrorCode } from './error-codes.js';

/** One series of a Prometheus matrix or vector result. */
export interface PromSeries {
  metric: Record<string, string>;
  /** [unix seconds, value string] pairs (range queries). */
  values?: [number, string][];
  /** One [unix seconds, value string] pair (instant queries). */
  value?: [number, string];
}

/** A Prometheus HTTP API client: range and instant queries, errors mapped to `PROMETHEUS_QUERY_FAILED`. */
export interface PromClient {
  range(query: string, startS: number, endS: number, stepS: number): Promise<PromSeries[]>;
  instant(query: string, timeS: number): Promise<PromSeries[]>;
}

/** Options of {@link createPromClient}. */
export interface PromClientOptions {
  url: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function createPromClient(o: PromClientOptions): PromClient {
  const base = o.url.replace(/\/+$/, '');
  const doFetch = o.fetch ?? fetch;
  const call = async (path: string, params: Record<string, string>): Promise<PromSeries[]> => {
    const body = new URLSearchParams(params).toString();
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(o.headers ?? {}) },
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 120_000),
      });
    } catch (cause) {
      throw new MlopsError(CostErrorCode.PrometheusQueryFailed, `Prometheus at ${base} did not answer (${(cause as Error).message}). Check the url and that the server is up.`, {
        cause,
        retryable: true,
      });
    }
    const text = await res.text();
    let json: { status?: string; errorType?: string; error?: string; data?: { resultType?: string; result?: PromSeries[] } };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new MlopsError(CostErrorCode.PrometheusQueryFailed, `Prometheus at ${base}${path} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}. Is the url the Prometheus server (not a UI proxy)?`);
    }
    if (json.status !== 'success' || !Array.isArray(json.data?.result)) {
      throw new MlopsError(
        CostErrorCode.PrometheusQueryFailed,
        `Prometheus rejected ${params.query!.slice(0, 200)} (HTTP ${res.status}, ${json.errorType ?? 'unknown'}): ${json.error ?? 'no error text'}. Fix the query (options.queries) or the step.`,
        { retryable: res.status === 503 || json.errorType === 'timeout', details: { errorType: json.errorType, status: res.status } },
      );
    }
    return json.data.result;
  };
  return {
    range: (query, startS, endS, stepS) => call('/api/v1/query_range', { query, start: String(startS), end: String(endS), step: String(stepS) }),
    instant: (query, timeS) => call('/api/v1/query', { query, time: String(timeS) }),
  };
}
