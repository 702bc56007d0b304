import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/**
 * Checks real answers of the API against the OpenAPI document the API serves: the status must be
 * one the operation documents, and a JSON body must match that status's schema. The document's
 * schemas are plain JSON Schema 2020-12 (OpenAPI 3.1), so Ajv compiles them as they are.
 */

type Document = {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOCUMENT_ID = 'https://vtex-session.invalid/openapi.json';

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface AnswerToCheck {
  method: string;
  /** The request path as sent, with its prefix (`/api/sessions/abc`), without the query. */
  path: string;
  status: number;
  contentType?: string;
  /** The parsed JSON body (ignored for HEAD). */
  body: unknown;
}

export function openApiChecker(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  ajv.addFormat('uuid', UUID);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const prefix = document.servers?.[0]?.url ?? '';
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  const compiled = new Map<string, ValidateFunction>();

  const validatorFor = (template: string, method: string, status: string): ValidateFunction => {
    const ref = `${DOCUMENT_ID}#/${pointer('paths', template, method, 'responses', status, 'content', 'application/json', 'schema')}`;
    let validate = compiled.get(ref);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: ref });
      compiled.set(ref, validate);
    }
    return validate;
  };

  /** The problems of one answer; an empty list when it matches the document. */
  return function check({ method, path, status, contentType, body }: AnswerToCheck): string[] {
    if (!path.startsWith(prefix)) return [`${path} is outside the documented prefix ${prefix}`];
    const rest = path.slice(prefix.length);
    // A path token may itself look like a template literal (`/sessions/openapi.json`): prefer the exact path.
    const match = templates.find((t) => t.template === rest) ?? templates.find((t) => t.regex.test(rest));
    if (match === undefined) return [`${path} is not a documented path`];
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const operation = document.paths[match.template][verb];
    if (operation === undefined) return [`${method} ${match.template} is not documented`];
    const documented = operation.responses[String(status)] ?? operation.responses.default;
    if (documented === undefined) return [`${method} ${match.template} does not document status ${status}`];
    if (method.toUpperCase() === 'HEAD' || documented.content === undefined) return [];
    if (!contentType?.startsWith('application/json')) return [`${method} ${match.template} ${status} answered ${contentType ?? 'no content type'}, not JSON`];
    const key = operation.responses[String(status)] ? String(status) : 'default';
    const validate = validatorFor(match.template, verb, key);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${method} ${match.template} ${status}: ${e.instancePath || 'body'} ${e.message} ${JSON.stringify(e.params)}`);
  };
}

export type OpenApiCheck = ReturnType<typeof openApiChecker>;
