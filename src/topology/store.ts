/**
 * The topology store: private state, synchronous `snapshot()`, rxjs streams derived from it, and sources that
 * feed it change batches.
 */
import { BehaviorSubject, Observable, Subject, distinctUntilChanged, map } from 'rxjs';
import { computeNodeDesired, type NodeDesiredState } from './desired';
import { TopologyError, type ClusterSpec, type NodeInput, type PodInfo, type TopologyState } from './model';
import { initialTopologyState, reduceTopology, type TopologyEvent } from './reducers';

/** What a source may do with the store. */
export interface TopologySink {
  /**
   * Applies a batch atomically; throws {@link TopologyError} (and changes nothing) when it is invalid. The
   * source reports such failures through {@link TopologySink.error}.
   */
  apply(events: readonly TopologyEvent[]): TopologyState;
  /** Reports a problem the source could not turn into events (unreadable file, lost connection). */
  error(err: TopologyError): void;
}

/**
 * Something that produces topology changes: the config file, and later an etcd watch or the Kubernetes API.
 * `start` begins feeding the sink (it may apply an initial batch before resolving); `stop` ends it.
 */
export interface TopologySource {
  readonly name: string;
  start(sink: TopologySink): Promise<void>;
  stop(): Promise<void>;
}

/** A rejected change, with the source it came from. */
export interface TopologyRejection {
  readonly source: string;
  readonly error: TopologyError;
}

/** True when two desired states are equal (flows compared by reference first, then by fields). */
export function sameDesired(a: NodeDesiredState | undefined, b: NodeDesiredState | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.flows.length !== b.flows.length) return false;
  for (let i = 0; i < a.flows.length; i++) {
    const x = a.flows[i];
    const y = b.flows[i];
    if (x !== y && (x.table !== y.table || x.priority !== y.priority || x.cookie !== y.cookie || x.match !== y.match || x.actions !== y.actions))
      return false;
  }
  return JSON.stringify([a.bridge, a.host, a.podMtu]) === JSON.stringify([b.bridge, b.host, b.podMtu]);
}

/**
 * Holds the topology. All changes go through {@link TopologyStore.apply} (or the helpers), which runs the pure
 * reducers and publishes the new state once per batch. Invalid batches throw and leave the state unchanged.
 */
export class TopologyStore {
  private readonly subject: BehaviorSubject<TopologyState>;
  private readonly rejections = new Subject<TopologyRejection>();
  private readonly sources: TopologySource[] = [];
  private disposed = false;

  /** Every state, starting with the current one. */
  readonly state$: Observable<TopologyState>;
  /** Changes a source tried and that were rejected (the state stayed as it was). */
  readonly rejected$: Observable<TopologyRejection>;

  constructor(cluster: Partial<ClusterSpec> = {}) {
    this.subject = new BehaviorSubject(initialTopologyState(cluster));
    this.state$ = this.subject.asObservable();
    this.rejected$ = this.rejections.asObservable();
  }

  /** The current state (synchronous). */
  snapshot(): TopologyState {
    return this.subject.getValue();
  }

  /** Applies a batch of events atomically; throws {@link TopologyError} and keeps the state when invalid. */
  apply(events: readonly TopologyEvent[]): TopologyState {
    if (this.disposed) throw new TopologyError('TOPOLOGY_INVALID_FIELD', 'topology store is disposed');
    const prev = this.subject.getValue();
    const next = reduceTopology(prev, events);
    if (next !== prev) this.subject.next(next);
    return next;
  }

  setCluster(cluster: Partial<ClusterSpec>): TopologyState {
    return this.apply([{ type: 'setCluster', cluster }]);
  }
  addNode(node: NodeInput): TopologyState {
    return this.apply([{ type: 'addNode', node }]);
  }
  updateNode(node: NodeInput): TopologyState {
    return this.apply([{ type: 'updateNode', node }]);
  }
  removeNode(name: string): TopologyState {
    return this.apply([{ type: 'removeNode', name }]);
  }
  setPods(node: string, pods: readonly PodInfo[]): TopologyState {
    return this.apply([{ type: 'setPods', node, pods }]);
  }

  /** The desired state of one node, re-emitted only when it changes (undefined while the node is absent). */
  desired$(node: string): Observable<NodeDesiredState | undefined> {
    return this.state$.pipe(
      map((s) => computeNodeDesired(s, node)),
      distinctUntilChanged(sameDesired),
    );
  }

  /** Connects a source; its batches are applied, its failures published on {@link rejected$}. */
  async addSource(source: TopologySource): Promise<void> {
    this.sources.push(source);
    await source.start({
      apply: (events) => this.apply(events),
      error: (error) => this.rejections.next({ source: source.name, error }),
    });
  }

  /** Stops all sources and completes every stream. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.sources.map((s) => s.stop()));
    this.subject.complete();
    this.rejections.complete();
  }
}
