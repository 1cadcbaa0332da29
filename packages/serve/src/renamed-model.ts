// A model served under other tensor names (repository config `input_map` / `output_map`):
// metadata, requests and results use the served names; the session keeps the ONNX ones.
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { InferOptions, InferResult, Model } from './model.js';
import type { Tensor, TensorInput } from './tensor.js';

function invert(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k]));
}

/** Wrap `model` so tensors named in `inputMap` / `outputMap` (`onnx name -> served name`) are renamed. */
export function renameModel(model: Model, inputMap: Record<string, string> = {}, outputMap: Record<string, string> = {}): Model {
  for (const [map, list, what] of [
    [inputMap, model.metadata.inputs, 'input_map'],
    [outputMap, model.metadata.outputs, 'output_map'],
  ] as const) {
    for (const k of Object.keys(map)) {
      if (!list.some((t) => t.name === k)) {
        throw new InvalidArgumentError(`Model "${model.name}" config ${what} renames "${k}", which is not one of its ONNX tensors (${list.map((t) => t.name).join(', ')}).`);
      }
    }
  }
  const inBack = invert(inputMap);
  const outBack = invert(outputMap);
  const metadata = {
    ...model.metadata,
    inputs: model.metadata.inputs.map((t) => ({ ...t, name: inputMap[t.name] ?? t.name })),
    outputs: model.metadata.outputs.map((t) => ({ ...t, name: outputMap[t.name] ?? t.name })),
  };
  return {
    name: model.name,
    version: model.version,
    metadata,
    batchable: model.batchable,
    async infer(inputs: Record<string, TensorInput>, options: InferOptions = {}): Promise<InferResult> {
      const onnxInputs: Record<string, TensorInput> = {};
      for (const [k, v] of Object.entries(inputs)) onnxInputs[inBack[k] ?? k] = v;
      const r = await model.infer(onnxInputs, { ...options, ...(options.outputs ? { outputs: options.outputs.map((o) => outBack[o] ?? o) } : {}) });
      const outputs: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(r.outputs)) outputs[outputMap[k] ?? k] = v;
      return { ...r, outputs };
    },
    inferTable: (table, options) => model.inferTable(table, options),
    stats: () => model.stats(),
    observe: (events) => model.observe(events),
    close: (options) => model.close(options),
  };
}
