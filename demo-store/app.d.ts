// Types of the demo app, for the tests written in TypeScript that start it.
import type { Express } from 'express';
import type { Logger, SessionStore } from '../lib';

export interface DemoOptions {
  /** Signs the session tokens; without it the package warns and uses a random one. */
  secret?: string;
  /** Where sessions live (default: in process). */
  store?: SessionStore;
  logger?: Logger;
  /** The page cache's bounds: most pages kept, and for how many milliseconds. */
  cache?: { max?: number; ttl?: number };
}

export function createApp(options?: DemoOptions): Express;
