// serve's README shows curl requests with the response in a `# ...` comment below. These helpers
// read them back so the test sends exactly what the README sends.

/** A curl request from the README with the response it shows. */
export interface CurlExample {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v2/models/model/infer`. */
  path: string;
  /** The `-d '...'` body (POST only). */
  body?: string;
  /** The JSON the README shows as the answer. */
  shown: unknown;
}

const URL_PATH = /^(?:https?:\/\/)?(?:localhost|127\.0\.0\.1)(?::\d+)?(\/\S*)$/;

/**
 * The first `curl -s <url> -d '<json>'` request to an `/infer` URL whose answer is shown on the
 * `# {...}` line after it. Binary requests (`--data-binary`, extra headers) are not JSON inference and are skipped.
 */
export function firstJsonInference(sh: string): CurlExample | undefined {
  const re = /^curl -s (\S+\/infer) -d '([^']*)'\s*\n#\s*(\{.*\})\s*$/gm;
  for (const m of sh.matchAll(re)) {
    const path = URL_PATH.exec(m[1]!)?.[1];
    if (path) return { method: 'POST', path, body: m[2]!, shown: JSON.parse(m[3]!) };
  }
  return undefined;
}

/** Every `curl -s <url>   # {json}` GET whose answer is shown as a trailing comment on the same line. */
export function jsonGets(sh: string): CurlExample[] {
  const out: CurlExample[] = [];
  for (const m of sh.matchAll(/^curl -s (\S+)\s+#\s*(\{.*\})\s*$/gm)) {
    const path = URL_PATH.exec(m[1]!)?.[1];
    if (path) out.push({ method: 'GET', path, shown: JSON.parse(m[2]!) });
  }
  return out;
}
