export { createScheduler } from './scheduler.js';
export type { Scheduler, SchedulerOptions, SchedulerPolicy, PreemptionOptions, SchedulerStats } from './scheduler.js';
export {
  fifoOrdering,
  priorityOrdering,
  shortestJobFirstOrdering,
  tiresiasOrdering,
  fairShareOrdering,
} from './ordering-policies.js';
export type { ShortestJobFirstOptions, TiresiasOptions } from './ordering-policies.js';
export { bestFitPlacement, spreadPlacement, fragmentationAwarePlacement, costAwarePlacement } from './placement-policies.js';
export type { FragmentationAwareOptions, CostAwareOptions } from './placement-policies.js';
export { nodeFragmentationMilli, taskFragmentationMilli } from './fragmentation.js';
export type {
  OrderingPolicy,
  PlacementPolicy,
  PlacementContext,
  JobView,
  QueueView,
  NodeView,
  WorkerView,
  WorkloadClass,
} from './policy-types.js';
export type {
  PricingModel,
  NodeSpec,
  NodePoolSpec,
  QueueSpec,
  CohortSpec,
  ResourceFlavorSpec,
  KueueResourceGroup,
  KueueResourceQuota,
  Quantity,
  JobSpec,
  WorkerPlacement,
  BindDecision,
  PreemptDecision,
  RejectDecision,
  RejectCode,
  Decision,
  SubmitResult,
  NodeEvent,
  NodeEventResult,
  JobStatus,
  QueueStatus,
  NodeStatus,
  SchedulerSnapshot,
} from './types.js';
export { toUsageRecordTable } from './usage-records.js';
export type { UsageInterval, UsageTableOptions } from './usage-records.js';
export { simulate, distribution, DEFAULT_PREEMPTION_COST } from './simulator.js';
export type { SimulateOptions, AutoscalerOptions, SimulatedCluster, SimulatedJob, SimulationProgress, SimulationResult, QueueResult, Distribution } from './simulator.js';
export { simulateFill, workloadFromJobs } from './fill-experiment.js';
export type { FillOptions, FillPoint, FillResult } from './fill-experiment.js';
export { readPhillyTrace, readAlibabaNodes, readAlibabaPods, parseCsv } from './trace-readers.js';
export type { TraceJob, PhillyTraceOptions, AlibabaNodesOptions, AlibabaPodsOptions } from './trace-readers.js';
export { createExtenderServer, createExtenderHandlers } from './extender-server.js';
export { podRequests, parseCpuMilli, parseMemoryMiB, parseQuantity } from './pod-requests.js';
export type { PodRequests } from './pod-requests.js';
export type { ExtenderServer, ExtenderServerOptions, ExtenderHandlers, ExtenderHandlerOptions, SyncReport } from './extender-server.js';
export { createFileClusterSource, createApiServerClusterSource } from './cluster-source.js';
export type { ClusterSourceV1, FileClusterSourceOptions, ApiServerClusterSourceOptions, PodGroupList } from './cluster-source.js';
export { MAX_EXTENDER_PRIORITY } from './extender-types.js';
export type {
  ExtenderArgs,
  ExtenderFilterResult,
  HostPriority,
  ExtenderBindingArgs,
  ExtenderBindingResult,
  K8sPod,
  K8sContainer,
  K8sNode,
  K8sNodeList,
  K8sPodList,
  ExtenderPreemptionArgs,
  ExtenderPreemptionResult,
  Victims,
  MetaVictims,
} from './extender-types.js';
export { bundledTrace, bundledTraceFiles, phillyCluster, BUNDLED_TRACES } from './bundled-traces.js';
export type { BundledTrace, BundledTraceName, BundledTraceFiles, BundledTraceOptions } from './bundled-traces.js';
export { fromKueueManifests } from './kueue-manifests.js';
export type { KueueConfig } from './kueue-manifests.js';
export { namedPolicy, POLICY_NAMES } from './named-policies.js';
export type { PolicyName } from './named-policies.js';
