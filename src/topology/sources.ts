/** Topology sources: the config file (watched). Other sources (etcd, Kubernetes) implement the same interface. */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Subject, debounceTime, type Subscription } from 'rxjs';
import { parseClusterConfig } from './config';
import { TopologyError } from './model';
import type { TopologySink, TopologySource } from './store';

/** Options of {@link ConfigFileSource}. */
export interface ConfigFileSourceOptions {
  /** Quiet time after the last change event before the file is re-read (ms, default 50). */
  debounceMs?: number;
}

/**
 * Reads a cluster config file and re-reads it whenever it changes. Watches the directory (editors replace files
 * by rename, which a watch on the file itself would miss) and debounces the burst of events one save makes.
 * Each read becomes one batch: `setCluster` + `replaceNodes`. A bad file is reported on the sink's `error`
 * and changes nothing.
 */
export class ConfigFileSource implements TopologySource {
  readonly name: string;
  private watcher?: FSWatcher;
  private sub?: Subscription;
  private readonly changes = new Subject<void>();
  private readonly path: string;
  private reading: Promise<void> = Promise.resolve();
  private lastText?: string;

  constructor(
    path: string,
    private readonly opts: ConfigFileSourceOptions = {},
  ) {
    this.path = resolve(path);
    this.name = `config:${this.path}`;
  }

  /** Reads the file once (throws when the first read fails), then watches it. */
  async start(sink: TopologySink): Promise<void> {
    const text = await this.readText();
    this.lastText = text;
    this.applyText(sink, text, true);
    const file = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, name) => {
      if (name === null || name === file) this.changes.next();
    });
    this.watcher.on('error', (e) => sink.error(new TopologyError('TOPOLOGY_CONFIG_UNREADABLE', `${this.path}: watch failed: ${e.message}`)));
    this.sub = this.changes.pipe(debounceTime(this.opts.debounceMs ?? 50)).subscribe(() => {
      this.reading = this.reading.then(() => this.reread(sink));
    });
  }

  private async readText(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (e) {
      throw new TopologyError('TOPOLOGY_CONFIG_UNREADABLE', `${this.path}: ${(e as Error).message}`);
    }
  }

  private async reread(sink: TopologySink): Promise<void> {
    let text: string;
    try {
      text = await this.readText();
    } catch (e) {
      // A file that vanished for a moment (rename-based save) is not a removal of every node.
      sink.error(e as TopologyError);
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    this.applyText(sink, text, false);
  }

  private applyText(sink: TopologySink, text: string, first: boolean): void {
    try {
      const cfg = parseClusterConfig(text, this.path);
      sink.apply([
        { type: 'setCluster', cluster: cfg.cluster },
        { type: 'replaceNodes', nodes: cfg.nodes },
      ]);
    } catch (e) {
      if (!(e instanceof TopologyError)) throw e;
      if (first) throw e;
      sink.error(e);
    }
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    this.watcher?.close();
    this.changes.complete();
    await this.reading;
  }
}
