// A logistic-regression scorer encoded as ONNX in code (onnx-proto, irVersion 7, opset 13), as
// @mlops/serve's tests build theirs: the demo and `mlops serve` tests need no model files.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { InvalidArgumentError } from '@mlops/contracts/errors';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

function valueInfo(name: string, dims: (number | string)[]): Onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function floatInit(name: string, dims: number[], values: Float32Array): Onnx.ITensorProto {
  return { name, dims, dataType: T.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/**
 * `score[N,1] = sigmoid(x[N,k] · weights + bias)`, FP32 with a dynamic batch dimension;
 * input `x`, output `score`. Standardisation, if any, is folded into the weights by the caller.
 */
export function logisticRegressionOnnx(weights: readonly number[], bias: number, producer = 'mlops-cli'): Uint8Array {
  if (weights.length === 0 || !weights.every(Number.isFinite) || !Number.isFinite(bias)) {
    throw new InvalidArgumentError(`Expected at least one finite weight and a finite bias, found weights ${JSON.stringify(weights)} and bias ${bias}.`);
  }
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: producer,
    graph: {
      name: 'logistic_regression',
      node: [
        { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
        { opType: 'Add', input: ['xw', 'b'], output: ['logit'] },
        { opType: 'Sigmoid', input: ['logit'], output: ['score'] },
      ],
      initializer: [floatInit('W', [weights.length, 1], Float32Array.from(weights)), floatInit('b', [1], Float32Array.of(bias))],
      input: [valueInfo('x', ['batch', weights.length])],
      output: [valueInfo('score', ['batch', 1])],
    },
  }).finish();
}
