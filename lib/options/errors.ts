import type { ErrorObject } from 'ajv';
import { MIN_SECRET_LENGTH } from './schema';
import { nearestOption } from './suggest';

/** A value as an error message shows it: short, and never a function's source. */
export function describe(value: unknown): string {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 8)}…(${value.length} characters)` : value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

// ajv's words for a union or a custom keyword ("must be equal to constant", "must pass "isStore"
// keyword validation") tell the person configuring nothing; these say what is expected instead.
const EXPECTED: Record<string, string> = {
  apiPrefix: 'a path such as "/api", a non-empty list of paths, or false',
  regions: 'a table of postal-code ranges or a function',
  isStore: 'a store with get, set, delete and touch methods',
  isTransform: 'a transform with a name, input, output and run',
  isLogger: 'an object with warn and error methods',
  isFunction: 'a function',
  isOrigin: 'a full origin such as "https://www.shop.com": scheme, host and port only',
};

/**
 * The error to report. In a union (anyOf) the first error is only the first branch's complaint; an
 * error inside the value (one item of a list) is the precise one, else the union as a whole.
 */
function reportedError(errors: ErrorObject[]): ErrorObject {
  const union = errors.find((e) => e.keyword === 'anyOf');
  if (union === undefined) return errors[0];
  const inside = errors.filter((e) => e.instancePath.startsWith(`${union.instancePath}/`));
  return inside.sort((a, b) => b.instancePath.length - a.instancePath.length)[0] ?? union;
}

export function optionError(errors: ErrorObject[], options: Record<string, unknown>): TypeError {
  const error = reportedError(errors);
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let value: unknown = options;
  for (const part of path) value = (value as Record<string, unknown>)?.[part];
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const where = path.length ? `${path.join('.')}.${extra}` : extra;
    const nearest = nearestOption(path, extra, error.schemaPath);
    return new TypeError(`option ${where} is not a known option${nearest === undefined ? '' : ` (did you mean ${nearest}?)`}`);
  }
  const name = path.join('.') || 'options';
  const allowed = error.keyword === 'enum' ? (error.params as { allowedValues: unknown[] }).allowedValues : undefined;
  const expected =
    allowed !== undefined
      ? `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
      : error.keyword === 'anyOf'
        ? EXPECTED[name]
        : EXPECTED[error.keyword];
  const reason = path[0] === 'secret' ? `a secret is a string of at least ${MIN_SECRET_LENGTH} characters, or a non-empty list of them` : (expected ?? error.message ?? 'invalid');
  // A secret's value is never echoed into an error message or a log.
  const shown = path[0] === 'secret' ? '[redacted]' : describe(value);
  return new TypeError(`option ${name} is invalid: ${shown} (${reason})`);
}

