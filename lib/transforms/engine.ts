import { TransformRefusedError } from '../errors';
import { applyPatch, getItem, itemName, type ItemName, type Namespaces, type NamespacesPatch } from '../namespaces';
import type { Transform, TransformContext, WriteContext } from './types';
import { publish, transformFailed } from '../events';

export interface EngineLogger {
  error(message: string, detail?: Record<string, unknown>): void;
}

export interface EngineOptions {
  /** Rounds before a cascade that does not settle is stopped (a cycle). */
  maxRounds: number;
  /** Default per-transform timeout, in milliseconds. */
  timeout: number;
  logger: EngineLogger;
}

const TIMED_OUT = Symbol('timed out');

/**
 * Runs transforms to a fixpoint. A write changes some items; every transform that watches one of
 * them runs with all its declared inputs; the transforms of a round run concurrently; their
 * declared outputs are merged; rounds repeat until nothing changes.
 */
export class TransformEngine {
  private readonly watchers = new Map<ItemName, Transform[]>();
  private readonly onCreate: Transform[];

  constructor(
    readonly transforms: readonly Transform[],
    private readonly options: EngineOptions,
  ) {
    const owners = new Map<ItemName, string>();
    for (const transform of transforms) {
      for (const [ns, keys] of Object.entries(transform.output)) {
        for (const key of keys) {
          const name = itemName(ns, key);
          const owner = owners.get(name);
          // Two writers of one item would make its value depend on which finished last.
          if (owner !== undefined) {
            throw new TypeError(`option transforms is invalid: ${transform.name} and ${owner} both declare output ${name}`);
          }
          owners.set(name, transform.name);
        }
      }
      for (const [ns, keys] of Object.entries(transform.input)) {
        for (const key of keys) {
          const name = itemName(ns, key);
          const list = this.watchers.get(name) ?? [];
          list.push(transform);
          this.watchers.set(name, list);
        }
      }
    }
    this.onCreate = transforms.filter((t) => t.runOnCreate);
  }

  /** Creation: the runOnCreate transforms with empty input, then the cascade from what they and `seed` changed. */
  async create(seed: NamespacesPatch, write: WriteContext): Promise<Namespaces> {
    let namespaces: Namespaces = {};
    const context: TransformContext = { ...write, creating: true, changed: new Set() };
    const outcomes = await Promise.all(this.onCreate.map((t) => this.runOne(t, {}, context, namespaces)));
    const changed: ItemName[] = [];
    for (const outcome of outcomes) {
      if (outcome instanceof TransformRefusedError) throw outcome;
      const result = applyPatch(namespaces, outcome);
      namespaces = result.namespaces;
      changed.push(...result.changed);
    }
    const seeded = applyPatch(namespaces, seed);
    changed.push(...seeded.changed);
    return this.cascade(seeded.namespaces, changed, write);
  }

  /**
   * Runs every transform that watches a changed item, round after round, until nothing changes.
   *
   * A refusal is final only once the cascade settles: a write that logs a customer in and asks for
   * a private sales channel at once is refused in the first round (the profile is not loaded yet)
   * and admitted in the next. So a transform that refused keeps its previous outputs, runs again
   * when its inputs change, and still sees the items that made it refuse as changed; the write
   * fails only with the refusals still standing at the end.
   */
  async cascade(namespaces: Namespaces, changed: readonly ItemName[], write: WriteContext): Promise<Namespaces> {
    const refused = new Map<Transform, { error: TransformRefusedError; changed: ReadonlySet<ItemName> }>();
    let pending = changed;
    for (let round = 0; pending.length > 0; round++) {
      if (round === this.options.maxRounds) {
        this.options.logger.error('session transforms did not settle; the last values are kept', {
          rounds: round,
          changed: [...pending],
        });
        break;
      }
      const due = this.watching(pending);
      if (due.length === 0) break;
      const roundChanged = new Set(pending);
      const outcomes = await Promise.all(
        due.map((t) => {
          const before = refused.get(t)?.changed;
          const context: TransformContext = { ...write, changed: before ? new Set([...before, ...roundChanged]) : roundChanged };
          return this.runOne(t, this.inputOf(t, namespaces), context, namespaces).then((outcome) => {
            if (outcome instanceof TransformRefusedError) {
              refused.set(t, { error: outcome, changed: context.changed });
              return {};
            }
            refused.delete(t);
            return outcome;
          });
        }),
      );
      const next: ItemName[] = [];
      for (const output of outcomes) {
        const result = applyPatch(namespaces, output);
        namespaces = result.namespaces;
        next.push(...result.changed);
      }
      pending = next;
    }
    for (const { error } of refused.values()) throw error;
    return namespaces;
  }

  private watching(changed: readonly ItemName[]): Transform[] {
    const due = new Set<Transform>();
    for (const name of changed) {
      const list = this.watchers.get(name);
      if (list) for (const t of list) due.add(t);
      const whole = this.watchers.get(`${name.slice(0, name.indexOf('.'))}.*`);
      if (whole) for (const t of whole) due.add(t);
    }
    return [...due];
  }

  private inputOf(transform: Transform, namespaces: Namespaces): Namespaces {
    const input: Namespaces = {};
    for (const [ns, keys] of Object.entries(transform.input)) {
      for (const key of keys) {
        if (key === '*') {
          if (Object.prototype.hasOwnProperty.call(namespaces, ns)) input[ns] = { ...input[ns], ...namespaces[ns] };
          continue;
        }
        const item = getItem(namespaces, ns, key);
        if (item !== undefined) (input[ns] ??= {})[key] = item;
      }
    }
    return input;
  }

  /**
   * One transform, bounded by its timeout. A throw or a timeout keeps its previous outputs (an
   * empty patch) and is logged; a refusal is handed back for the cascade to judge.
   */
  private async runOne(
    transform: Transform,
    input: Namespaces,
    context: TransformContext,
    current: Namespaces,
  ): Promise<NamespacesPatch | TransformRefusedError> {
    const timeout = transform.timeout ?? this.options.timeout;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => transform.run(input, context)),
        new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(resolve, timeout, TIMED_OUT);
        }),
      ]);
      if (result === TIMED_OUT) {
        this.options.logger.error('session transform timed out; its previous outputs are kept', { transform: transform.name, timeout });
        publish(transformFailed, () => ({ transform: transform.name, error: `timed out after ${timeout} ms`, timedOut: true }));
        return {};
      }
      return this.declaredOutputs(transform, result ?? {}, current);
    } catch (error) {
      if (error instanceof TransformRefusedError) return error;
      this.options.logger.error('session transform failed; its previous outputs are kept', {
        transform: transform.name,
        error: (error as Error)?.message ?? String(error),
      });
      publish(transformFailed, () => ({ transform: transform.name, error: (error as Error)?.message ?? String(error), timedOut: false }));
      return {};
    } finally {
      clearTimeout(timer);
    }
  }

  /** Only declared outputs are merged; an output left out of the result keeps its value. */
  private declaredOutputs(transform: Transform, result: NamespacesPatch, current: Namespaces): NamespacesPatch {
    const patch: NamespacesPatch = {};
    for (const [ns, keys] of Object.entries(transform.output)) {
      const items = Object.prototype.hasOwnProperty.call(result, ns) ? result[ns] : undefined;
      if (!items || typeof items !== 'object') continue;
      for (const key of keys) {
        if (!Object.prototype.hasOwnProperty.call(items, key)) continue;
        const item = items[key];
        if (item === null || typeof item !== 'object' || !('value' in item)) continue;
        const previous = getItem(current, ns, key);
        // A transform's item keeps the keepAlive mark it had unless the transform sets one.
        (patch[ns] ??= {})[key] = item.keepAlive === undefined && previous?.keepAlive ? { ...item, keepAlive: true } : item;
      }
    }
    return patch;
  }
}
