/** Exponential backoff for reconnecting, as ovs-vswitchd's rconn does (doubling up to a maximum). */

/** Options of {@link OpenFlowBackoff}. */
export interface OpenFlowBackoffOptions {
  /** First delay in ms (default 100). */
  initialMs?: number;
  /** Upper bound in ms (default 8000, like OVS's default max_backoff of 8 s). */
  maxMs?: number;
  /** Multiplier per failure (default 2). */
  factor?: number;
  /** Random spread in [0, 1): each delay is multiplied by a factor in [1 - jitter, 1] (default 0.2). */
  jitter?: number;
  /** Random source, for tests (default Math.random). */
  random?: () => number;
}

/** A backoff sequence: {@link OpenFlowBackoff.next} gives the next delay; {@link OpenFlowBackoff.reset} after a success. */
export class OpenFlowBackoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(opts: OpenFlowBackoffOptions = {}) {
    this.initialMs = Math.max(1, opts.initialMs ?? 100);
    this.maxMs = Math.max(this.initialMs, opts.maxMs ?? 8000);
    this.factor = Math.max(1, opts.factor ?? 2);
    this.jitter = Math.min(0.99, Math.max(0, opts.jitter ?? 0.2));
    this.random = opts.random ?? Math.random;
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The next delay in ms. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.attempt));
    this.attempt++;
    return Math.round(base * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
