// Entry `@mlops/gpu-scheduler/kubernetes`: the ClusterSource over @kubernetes/client-node (an
// optional peer, imported on first use only).
export { createKubernetesClusterSource } from './kubernetes-cluster-source.js';
export type { KubernetesClusterSourceOptions, KubeConfigLike } from './kubernetes-cluster-source.js';
export type { ClusterSourceV1, PodGroupList } from './cluster-source.js';
