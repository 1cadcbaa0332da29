import { describe, expect, it } from 'vitest';
import { firstJsonInference, jsonGets } from './serve-curl.js';

const sh = `curl -s localhost:8080/v2/health/ready                       # {"ready":true}
curl -s localhost:8080/v2/models/model                       # metadata: inputs, outputs
{ printf '%s' "$h"; cat x.bin; } | curl -s localhost:8080/v2/models/model/infer --data-binary @- -o y.bin
curl -s localhost:8080/v2/models/model/infer -d '{
  "id": "req-1",
  "inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1,2,3,4]}]
}'
# {"model_name":"model","outputs":[{"name":"y","data":[14.5,3.5]}]}
curl -s http://127.0.0.1:8080/v2/models/model/infer -d '{"inputs":[]}'
# {"second":true}
`;

describe('serve README curl examples', () => {
  it('reads the first JSON inference request and the answer shown below it', () => {
    const example = firstJsonInference(sh);
    expect(example?.path).toBe('/v2/models/model/infer');
    expect(JSON.parse(example!.body!)).toMatchObject({ id: 'req-1' });
    expect(example?.shown).toEqual({ model_name: 'model', outputs: [{ name: 'y', data: [14.5, 3.5] }] });
  });

  it('reads GETs whose JSON answer is a trailing comment, and skips prose comments', () => {
    expect(jsonGets(sh)).toEqual([{ method: 'GET', path: '/v2/health/ready', shown: { ready: true } }]);
  });

  it('finds nothing in text without such requests', () => {
    expect(firstJsonInference('curl -s localhost:8080/metrics')).toBeUndefined();
  });
});
