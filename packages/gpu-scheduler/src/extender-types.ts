/**
 * Wire types of the kube-scheduler extender API (k8s.io/kube-scheduler/extender/v1). The Go
 * structs carry no json tags, so the keys are the Go field names exactly as written here.
 * Only the parts of `v1.Pod` / `v1.Node` the GPU scheduler reads are typed; the rest passes
 * through untouched.
 */

/** A container of a pod: its resources, and `restartPolicy: Always` for a sidecar init container. */
export interface K8sContainer {
  /** Container name. */
  name?: string;
  /** Requests (default: limits) of `cpu`, `memory` and the GPU resource. */
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  /** `Always` on an init container makes it a sidecar (Kubernetes 1.29+). */
  restartPolicy?: string;
}

/** The subset of a Kubernetes `v1.Pod` that is read. */
export interface K8sPod {
  /** Name, namespace and uid identify the job; labels (queue) and annotations (GPU fraction) shape it. */
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  /**
   * Priority, node selector (GPU model), node name (when bound), and everything that makes up
   * the effective request: containers, init containers (sidecars have `restartPolicy:
   * Always`), pod-level `resources` and `overhead`.
   */
  spec?: {
    priority?: number;
    nodeSelector?: Record<string, string>;
    nodeName?: string;
    schedulerName?: string;
    containers?: K8sContainer[];
    initContainers?: K8sContainer[];
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    overhead?: Record<string, string | number>;
  };
  /** `phase` (`Pending`, `Running`, `Succeeded`, `Failed`): finished pods hold nothing. */
  status?: { phase?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The subset of a Kubernetes `v1.Node` that is read. */
export interface K8sNode {
  /** Node name, and labels for the GPU model and topology domain. */
  metadata?: { name?: string; labels?: Record<string, string> };
  /** Allocatable (else capacity) GPUs, CPU and memory. */
  status?: { allocatable?: Record<string, string | number>; capacity?: Record<string, string | number> };
  /** `unschedulable: true` (cordoned) keeps new pods off the node. */
  spec?: { unschedulable?: boolean };
  [key: string]: unknown;
}

/** `v1.NodeList`. */
export interface K8sNodeList {
  /** `v1`, passed through. */
  apiVersion?: string;
  /** `NodeList`, passed through. */
  kind?: string;
  /** List metadata, passed through. */
  metadata?: Record<string, unknown>;
  /** The nodes. */
  items: K8sNode[];
}

/** `ExtenderArgs`: the body of a filter or prioritize call. */
export interface ExtenderArgs {
  /** The pod being scheduled. */
  Pod: K8sPod;
  /** Candidate nodes, when the extender is not `nodeCacheCapable`. */
  Nodes?: K8sNodeList | null;
  /** Candidate node names, when the extender is `nodeCacheCapable`. */
  NodeNames?: string[] | null;
}

/** `ExtenderFilterResult`. */
export interface ExtenderFilterResult {
  /** Nodes that can hold the pod, when the call sent `Nodes`. */
  Nodes?: K8sNodeList | null;
  /** Names of nodes that can hold the pod, when the call sent `NodeNames`. */
  NodeNames?: string[] | null;
  /** Node name -> why it failed (preemption may help). */
  FailedNodes: Record<string, string>;
  /** Node name -> why it failed (preemption will not help). */
  FailedAndUnresolvableNodes: Record<string, string>;
  /** Non-empty when the call failed as a whole (e.g. a malformed pod). */
  Error: string;
}

/** `HostPriority`; a `HostPriorityList` is an array of these. Score is 0..10. */
export interface HostPriority {
  /** Node name. */
  Host: string;
  /** 0..10 (`MAX_EXTENDER_PRIORITY`), higher is preferred; kube-scheduler weights it by the extender's `weight`. */
  Score: number;
}

/** `ExtenderBindingArgs`. */
export interface ExtenderBindingArgs {
  /** Pod name. */
  PodName: string;
  /** Pod namespace. */
  PodNamespace: string;
  /** Pod uid; matched to the pod that `filter` saw (by namespace/name when the uid is unknown). */
  PodUID: string;
  /** Node chosen by kube-scheduler. */
  Node: string;
}

/** `ExtenderBindingResult`. */
export interface ExtenderBindingResult {
  /** Empty on success, else why the bind failed. */
  Error: string;
}

/** `MaxExtenderPriority` of the extender API. */
export const MAX_EXTENDER_PRIORITY = 10;

/** `v1.PodList` (as `GET /api/v1/pods` or `kubectl get pods -o json` returns it). */
export interface K8sPodList {
  /** `v1`, passed through. */
  apiVersion?: string;
  /** `PodList`, passed through. */
  kind?: string;
  /** List metadata, passed through. */
  metadata?: Record<string, unknown>;
  /** The pods. */
  items: K8sPod[];
}

/** Victims on one node, full pods (`nodeCacheCapable: false`). */
export interface Victims {
  /** Pods to evict. */
  Pods: K8sPod[];
  /** PodDisruptionBudget violations the eviction would cause. */
  NumPDBViolations: number;
}

/** Victims on one node by uid (`nodeCacheCapable: true`, and always in the result). */
export interface MetaVictims {
  /** `[{ UID }]` of the pods to evict. */
  Pods: Array<{ UID: string }>;
  /** PodDisruptionBudget violations the eviction would cause. */
  NumPDBViolations: number;
}

/** `ExtenderPreemptionArgs`: the body of a preempt call. */
export interface ExtenderPreemptionArgs {
  /** The pod that needs room. */
  Pod: K8sPod;
  /** Candidate nodes and victims, when the extender is not `nodeCacheCapable`. */
  NodeNameToVictims?: Record<string, Victims> | null;
  /** Candidate nodes and victim uids, when the extender is `nodeCacheCapable`. */
  NodeNameToMetaVictims?: Record<string, MetaVictims> | null;
}

/** `ExtenderPreemptionResult`: nodes (left out = dropped) and the victims the extender agrees to. */
export interface ExtenderPreemptionResult {
  /** Node name -> victims by uid. */
  NodeNameToMetaVictims: Record<string, MetaVictims>;
}
