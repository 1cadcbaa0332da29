// A tiny logistic scorer built in code, so the example needs no model file
// (same approach as @mlops/serve's tests: onnx-proto, irVersion 7, opset 13).
import { InvalidArgumentError } from '@mlops/contracts';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

function valueInfo(name: string, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function floatInit(name: string, dims: number[], values: Float32Array): Onnx.ITensorProto {
  return { name, dims, dataType: T.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/**
 * `score[N,1] = sigmoid(x[N,4] · weights + bias)`, FP32, dynamic batch dimension.
 * Input `x`, output `score`.
 */
export function buildScorerModel(weights: readonly number[], bias: number): Uint8Array {
  if (weights.length !== 4) throw new InvalidArgumentError(`Expected 4 weights (one per feature), found ${weights.length}. Pass one weight per input column.`);
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'mlops-example-platform',
    graph: {
      name: 'scorer',
      node: [
        { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
        { opType: 'Add', input: ['xw', 'b'], output: ['logit'] },
        { opType: 'Sigmoid', input: ['logit'], output: ['score'] },
      ],
      initializer: [floatInit('W', [4, 1], Float32Array.from(weights)), floatInit('b', [1], Float32Array.of(bias))],
      input: [valueInfo('x', ['batch', 4])],
      output: [valueInfo('score', ['batch', 1])],
    },
  }).finish();
}

/** The same function in plain TypeScript, to check what the server answers. */
export function scoreReference(x: Float32Array, weights: readonly number[], bias: number): Float64Array {
  const rows = x.length / 4;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let z = bias;
    for (let k = 0; k < 4; k++) z += x[r * 4 + k]! * weights[k]!;
    out[r] = 1 / (1 + Math.exp(-z));
  }
  return out;
}
