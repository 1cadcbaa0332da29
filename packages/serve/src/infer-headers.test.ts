import { describe, expect, it } from 'vitest';
import { inferHeaders } from './server.js';

describe('inferHeaders (the infer path reads rawHeaders, not req.headers)', () => {
  it('finds the four headers in any case, as req.headers would hold them', () => {
    const raw = ['Host', 'x', 'Content-Length', '12', 'TraceParent', 'a', 'Inference-Header-Content-Length', '5', 'X-User-Id', 'u1', 'content-length', '99', 'traceparent', 'b'];
    expect(inferHeaders(raw, 'x-user-id')).toEqual({ contentLength: '12', headerLength: '5', traceparent: 'a, b', sticky: 'u1' });
    expect(inferHeaders(raw, undefined).sticky).toBeUndefined();
    expect(inferHeaders([], undefined)).toEqual({ contentLength: undefined, headerLength: undefined, traceparent: undefined, sticky: undefined });
  });

  it('a sticky header may share a name with a header the infer path reads', () => {
    expect(inferHeaders(['traceparent', 't'], 'traceparent')).toMatchObject({ traceparent: 't', sticky: 't' });
  });
});
