import type { Namespaces, NamespacesPatch } from '../namespaces';

/** Which items a transform reads or writes: `{ ns: [key, key] }`; `*` as a key of an input means the whole namespace. */
export type ItemSelection = Record<string, readonly string[]>;

export interface TransformContext {
  /** The request's cookies (name → value), for transforms that read them. Empty for server-side writes without a request. */
  cookies: Readonly<Record<string, string>>;
  /** The clock the write runs at, in milliseconds. */
  now: number;
  /** True for the transforms that run when the session is created. */
  creating: boolean;
  /**
   * The items (`ns.key`) whose change made this round run. A transform that refused earlier in the
   * same write also sees the items that made it refuse, so that it decides again on settled inputs.
   */
  changed: ReadonlySet<string>;
}

/** The context a write passes in; the engine adds `changed` per round. */
export type WriteContext = Omit<TransformContext, 'changed'>;

/**
 * A transform computes some items from others, like a VTEX IO app that declares `vtex.session`
 * input and output namespaces. It receives only its declared inputs and may write only its
 * declared outputs; anything else it returns is dropped.
 */
export interface Transform {
  name: string;
  input: ItemSelection;
  output: ItemSelection;
  /** Runs when a session is created, with empty input, before the cascade. */
  runOnCreate?: boolean;
  /** Milliseconds before the transform is abandoned and its previous outputs kept. */
  timeout?: number;
  run(input: Namespaces, context: TransformContext): NamespacesPatch | void | Promise<NamespacesPatch | void>;
}
