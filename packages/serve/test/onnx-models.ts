// ONNX models built in code for tests and benchmarks (irVersion 7, opset 13; see TOOLCHAIN.md).
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function floatInit(name: string, dims: number[], values: Float32Array): Onnx.ITensorProto {
  return { name, dims, dataType: T.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function encodeModel(graph: Onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'mlops-serve-tests',
    graph,
  }).finish();
}

import { seededRandom } from '@mlops/contracts';

export { seededRandom };

function randomWeights(n: number, scale: number, rand: () => number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (rand() * 2 - 1) * scale;
  return w;
}

/** Weights of the linear model, exported so tests can compute expected outputs. */
export const LINEAR_W = new Float32Array([1, 2, 0.5, -1, 0, 1, 3, 0.25]); // [4, 2]
export const LINEAR_B = new Float32Array([0.5, -0.5]);

/** y[N,2] = x[N,4] · W + b. Input `x` FP32 with a dynamic batch dim. */
export function linearModel(): Uint8Array {
  return encodeModel({
    name: 'linear',
    node: [
      { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
      { opType: 'Add', input: ['xw', 'b'], output: ['y'] },
    ],
    initializer: [floatInit('W', [4, 2], LINEAR_W), floatInit('b', [2], LINEAR_B)],
    input: [valueInfo('x', T.FLOAT, ['batch', 4])],
    output: [valueInfo('y', T.FLOAT, ['batch', 2])],
  });
}

/** Reference implementation of {@link linearModel}. */
export function linearReference(x: Float32Array): Float32Array {
  const rows = x.length / 4;
  const y = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 2; j++) {
      let s = LINEAR_B[j]!;
      for (let k = 0; k < 4; k++) s += x[r * 4 + k]! * LINEAR_W[k * 2 + j]!;
      y[r * 2 + j] = s;
    }
  }
  return y;
}

/** A ReLU MLP `sizes[0] -> sizes[1] -> ... -> sizes[last]`, input `x`, output `y`, FP32, dynamic batch. */
export function mlpModel(sizes: number[], seed = 42): Uint8Array {
  const rand = seededRandom(seed);
  const nodes: Onnx.INodeProto[] = [];
  const inits: Onnx.ITensorProto[] = [];
  let prev = 'x';
  for (let l = 0; l < sizes.length - 1; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    inits.push(floatInit(`W${l}`, [fanIn, fanOut], randomWeights(fanIn * fanOut, 1 / Math.sqrt(fanIn), rand)));
    inits.push(floatInit(`b${l}`, [fanOut], randomWeights(fanOut, 0.1, rand)));
    const last = l === sizes.length - 2;
    nodes.push({ opType: 'MatMul', input: [prev, `W${l}`], output: [`m${l}`] });
    nodes.push({ opType: 'Add', input: [`m${l}`, `b${l}`], output: [last ? 'y' : `a${l}`] });
    if (!last) nodes.push({ opType: 'Relu', input: [`a${l}`], output: [`h${l}`] });
    prev = `h${l}`;
  }
  return encodeModel({
    name: 'mlp',
    node: nodes,
    initializer: inits,
    input: [valueInfo('x', T.FLOAT, ['batch', sizes[0]!])],
    output: [valueInfo('y', T.FLOAT, ['batch', sizes[sizes.length - 1]!])],
  });
}

/**
 * Two inputs of other datatypes: `a` INT64 [N,3] and `flag` BOOL [N,1].
 * Outputs: `doubled` INT64 = a + a, `negated` BOOL = not flag, `half` FP32 = float(a) * 0.5.
 */
export function mixedTypesModel(): Uint8Array {
  return encodeModel({
    name: 'mixed',
    node: [
      { opType: 'Add', input: ['a', 'a'], output: ['doubled'] },
      { opType: 'Not', input: ['flag'], output: ['negated'] },
      { opType: 'Cast', input: ['a'], output: ['af'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }] },
      { opType: 'Mul', input: ['af', 'half_c'], output: ['half'] },
    ],
    initializer: [floatInit('half_c', [], new Float32Array([0.5]))],
    input: [valueInfo('a', T.INT64, ['batch', 3]), valueInfo('flag', T.BOOL, ['batch', 1])],
    output: [valueInfo('doubled', T.INT64, ['batch', 3]), valueInfo('negated', T.BOOL, ['batch', 1]), valueInfo('half', T.FLOAT, ['batch', 3])],
  });
}

/** Strings in, strings out: `text` BYTES [N] -> Identity -> `echo` BYTES [N]. */
export function stringEchoModel(): Uint8Array {
  return encodeModel({
    name: 'echo',
    node: [{ opType: 'Identity', input: ['text'], output: ['echo'] }],
    input: [valueInfo('text', T.STRING, ['batch'])],
    output: [valueInfo('echo', T.STRING, ['batch'])],
  });
}

/**
 * A deliberately slow model: `depth` chained 256x256 MatMul+Tanh layers sharing one weight.
 * Input `x` FP32 [N,256], output `y` FP32 [N,256]. Used to exercise queueing and deadlines.
 */
export function slowModel(depth = 200, width = 256): Uint8Array {
  const rand = seededRandom(7);
  const nodes: Onnx.INodeProto[] = [];
  let prev = 'x';
  for (let i = 0; i < depth; i++) {
    const out = i === depth - 1 ? 'y' : `t${i}`;
    nodes.push({ opType: 'MatMul', input: [prev, 'W'], output: [`m${i}`] });
    nodes.push({ opType: 'Tanh', input: [`m${i}`], output: [out] });
    prev = out;
  }
  return encodeModel({
    name: 'slow',
    node: nodes,
    initializer: [floatInit('W', [width, width], randomWeights(width * width, 1 / Math.sqrt(width), rand))],
    input: [valueInfo('x', T.FLOAT, ['batch', width])],
    output: [valueInfo('y', T.FLOAT, ['batch', width])],
  });
}

/** A model whose bytes are not ONNX at all: loading it must fail. */
export function brokenModel(): Uint8Array {
  return new TextEncoder().encode('this is not an onnx model');
}

/**
 * Not row-independent: `y = x - mean(x, axis 0)`, input `x` FP32 ['n', 2]. Its output's first
 * dim is declared `outDim0` ('k' by default: a different symbol, so the server must not batch).
 */
export function centeredModel(outDim0: string = 'k'): Uint8Array {
  return encodeModel({
    name: 'centered',
    node: [
      { opType: 'ReduceMean', input: ['x'], output: ['mean'], attribute: [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [0] }, { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      { opType: 'Sub', input: ['x', 'mean'], output: ['y'] },
    ],
    input: [valueInfo('x', T.FLOAT, ['n', 2])],
    output: [valueInfo('y', T.FLOAT, [outDim0, 2])],
  });
}

/** `y[N] = table[idx[N]]` over a 10-entry table (`table[i] = i * 10`); an index >= 10 fails at run time. */
export function gatherModel(): Uint8Array {
  return encodeModel({
    name: 'gather',
    node: [{ opType: 'Gather', input: ['table', 'idx'], output: ['y'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] }],
    initializer: [floatInit('table', [10], Float32Array.from({ length: 10 }, (_, i) => i * 10))],
    input: [valueInfo('idx', T.INT64, ['batch'])],
    output: [valueInfo('y', T.FLOAT, ['batch'])],
  });
}

/** Identity over INT32 and UINT64 ['batch'] inputs, for integer range checks. */
export function intIdentityModel(): Uint8Array {
  return encodeModel({
    name: 'ints',
    node: [
      { opType: 'Identity', input: ['i32'], output: ['o32'] },
      { opType: 'Identity', input: ['u64'], output: ['ou64'] },
      { opType: 'Identity', input: ['i64'], output: ['oi64'] },
    ],
    input: [valueInfo('i32', T.INT32, ['batch']), valueInfo('u64', T.UINT64, ['batch']), valueInfo('i64', T.INT64, ['batch'])],
    output: [valueInfo('o32', T.INT32, ['batch']), valueInfo('ou64', T.UINT64, ['batch']), valueInfo('oi64', T.INT64, ['batch'])],
  });
}
