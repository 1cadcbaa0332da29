/**
 * Wire types of the kube-scheduler extender API (k8s.io/kube-scheduler/extender/v1). The Go
 * structs carry no json tags, so the keys are the Go field names exactly as written here.
 * Only the parts of `v1.Pod` / `v1.Node` the GPU scheduler reads are typed; the rest passes
 * through untouched.
 */

/** The subset of a Kubernetes `v1.Pod` that is read. */
export interface K8sPod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: {
    priority?: number;
    nodeSelector?: Record<string, string>;
    containers?: Array<{ name?: string; resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> } }>;
    initContainers?: Array<{ name?: string; resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> } }>;
  };
  [key: string]: unknown;
}

/** The subset of a Kubernetes `v1.Node` that is read. */
export interface K8sNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { allocatable?: Record<string, string | number>; capacity?: Record<string, string | number> };
  spec?: { unschedulable?: boolean };
  [key: string]: unknown;
}

/** `v1.NodeList`. */
export interface K8sNodeList {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  items: K8sNode[];
}

/** `ExtenderArgs`: the body of a filter or prioritize call. */
export interface ExtenderArgs {
  Pod: K8sPod;
  /** Candidate nodes, when the extender is not `nodeCacheCapable`. */
  Nodes?: K8sNodeList | null;
  /** Candidate node names, when the extender is `nodeCacheCapable`. */
  NodeNames?: string[] | null;
}

/** `ExtenderFilterResult`. */
export interface ExtenderFilterResult {
  Nodes?: K8sNodeList | null;
  NodeNames?: string[] | null;
  /** Node name -> why it failed (preemption may help). */
  FailedNodes: Record<string, string>;
  /** Node name -> why it failed (preemption will not help). */
  FailedAndUnresolvableNodes: Record<string, string>;
  Error: string;
}

/** `HostPriority`; a `HostPriorityList` is an array of these. Score is 0..10. */
export interface HostPriority {
  Host: string;
  Score: number;
}

/** `ExtenderBindingArgs`. */
export interface ExtenderBindingArgs {
  PodName: string;
  PodNamespace: string;
  PodUID: string;
  Node: string;
}

/** `ExtenderBindingResult`. */
export interface ExtenderBindingResult {
  Error: string;
}

/** `MaxExtenderPriority` of the extender API. */
export const MAX_EXTENDER_PRIORITY = 10;
