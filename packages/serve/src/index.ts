export { loadModel, defaultWorkerCount } from './model.js';
export type { LoadModelOptions, Model, ModelSource, RegistryModelSource, SessionOptions, InferOptions, InferResult, ModelStats } from './model.js';
export type { BatchingOptions, BatcherEvents } from './batcher.js';
export type { Datatype, TensorData } from './datatypes.js';
export type { Tensor, TensorInput, TensorMetadata, ModelMetadata } from './tensor.js';
export type { ModelRegistrySource, RegistryModelVersion, RegistryEvent } from './registry-source.js';
export { ServeErrorCode } from './errors.js';
