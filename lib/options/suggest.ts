import { optionsSchema } from './schema';

/**
 * The known option nearest to an unknown one, for "did you mean": an option of the same object
 * (`cookie.samesite` → `cookie.sameSite`), else a top-level one given at the wrong depth
 * (`cookie.maxAge` → `maxAge`). Undefined when nothing is close enough to be a likely typo.
 */
export function nearestOption(parent: string[], unknown: string, schemaPath: string): string | undefined {
  const siblings = Object.keys(schemaAt(schemaPath.split('/').slice(1, -1))?.properties ?? {});
  const candidates = [
    ...siblings.map((name) => ({ name, path: [...parent, name].join('.') })),
    ...Object.keys(optionsSchema.properties).map((name) => ({ name, path: name })),
  ];
  // A third of the name's letters may be wrong, at least one: beyond that a guess misleads.
  let best: { path: string; distance: number } | undefined;
  const budget = Math.max(1, Math.floor(unknown.length / 3));
  for (const { name, path } of candidates) {
    const distance = levenshtein(unknown.toLowerCase(), name.toLowerCase());
    if (distance <= budget && (best === undefined || distance < best.distance)) best = { path, distance };
  }
  return best?.path;
}

type SchemaNode = { properties?: Record<string, unknown> } & Record<string, unknown>;

/** The part of the options schema at an ajv schema path (`properties/cookie`), if it is an object schema. */
function schemaAt(segments: string[]): SchemaNode | undefined {
  let node: unknown = optionsSchema;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node !== null && typeof node === 'object' ? (node as SchemaNode) : undefined;
}

/** Edits (insertions, deletions, substitutions) that turn `a` into `b`. */
function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
