import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { Express } from 'express';
import type { Server } from 'node:http';
import supertest, { type Response as TestResponse, type Test } from 'supertest';
import { openApiDocument } from '../../lib/api/openapi';

type OpenApiDocument = ReturnType<typeof openApiDocument>;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPONENTS_ID = 'https://vtex-session.test/components.json';

/**
 * Checks answers of the API against the OpenAPI document the package serves. Its schemas are
 * JSON Schema 2020-12 (OpenAPI 3.1), so they are compiled as they are, with the components
 * registered under their own id so that every `$ref` resolves.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp }>;

  constructor(readonly document: OpenApiDocument = openApiDocument('/api')) {
    // ajv ships no formats; the document uses one.
    this.ajv.addFormat('uuid', UUID);
    this.ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(document.components.schemas) });
    // Literal paths first, so that `/sessions/{token}` never swallows a literal sibling.
    this.templates = Object.keys(document.paths)
      .sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
      .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  }

  /** The path template of the document that a path (without the prefix and the query) names. */
  templateOf(path: string): string | undefined {
    return this.templates.find((t) => t.pattern.test(path))?.template;
  }

  /**
   * What is wrong with an answer, or undefined when it matches the document: an operation and a
   * status the document declares, and a body that its JSON schema accepts.
   */
  problems(method: string, path: string, status: number, body: unknown, { bodyless = false } = {}): string | undefined {
    const template = this.templateOf(path);
    if (template === undefined) return `${path} is not a path of the document`;
    const operations = this.document.paths[template as keyof OpenApiDocument['paths']] as Record<string, Operation | undefined>;
    const operation = operations[method.toLowerCase()];
    // A method the document does not name can only be refused, with the error shape of the rest.
    if (operation === undefined && status !== 405) return `${method} ${template} is not in the document and answered ${status}, not 405`;
    const response = operation?.responses[String(status)] ?? (status === 405 ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } : undefined);
    if (response === undefined) return `${method} ${template} does not declare status ${status}`;
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined) return `${method} ${template} ${status} declares no JSON body`;
    if (bodyless) return undefined;
    const validate = this.compile(schema);
    if (validate(body)) return undefined;
    return `${method} ${template} ${status}: ${this.ajv.errorsText(validate.errors, { dataVar: 'body' })}`;
  }

  private compile(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rewriteRefs(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

function rewriteRefs<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, `"${COMPONENTS_ID}#/$defs/`)) as T;
}

const shared = new OpenApiValidator();

/**
 * A supertest assertion that the answer matches the OpenAPI document: the status is declared for
 * the operation, the body is JSON and valid against its schema. Answers outside the API (pages,
 * the application's own 404) and the document itself are left alone.
 */
export function conformsToOpenApi(prefixes: string[] = ['/api'], validator: OpenApiValidator = shared) {
  return (res: TestResponse): void => {
    const request = (res as unknown as { req: { method: string; path: string } }).req;
    const path = request.path.split('?')[0];
    const prefix = prefixes.find((p) => path.startsWith(`${p}/`));
    if (prefix === undefined) return;
    const rest = path.slice(prefix.length).replace(/\/$/, '');
    if (rest === '/sessions/openapi.json' || validator.templateOf(rest) === undefined) return;
    if (request.method === 'HEAD') return;
    if (!String(res.headers['content-type']).startsWith('application/json')) {
      throw new Error(`${request.method} ${path} answered ${res.status} with ${res.headers['content-type']}, not JSON`);
    }
    const problem = validator.problems(request.method, rest, res.status, res.body);
    if (problem !== undefined) throw new Error(`answer does not match the OpenAPI document: ${problem}\n${JSON.stringify(res.body)}`);
  };
}

type Method = 'get' | 'head' | 'post' | 'patch' | 'put' | 'delete' | 'options';

export type ApiClient = Record<Method, (url: string) => Test>;

/**
 * supertest for the API: every answer is checked against the OpenAPI document before the test
 * sees it, so each test that calls the API also checks the document.
 */
export function apiClient(app: Express | Server, prefixes: string[] = ['/api']): ApiClient {
  const agent = supertest(app);
  const check = conformsToOpenApi(prefixes);
  const methods: Method[] = ['get', 'head', 'post', 'patch', 'put', 'delete', 'options'];
  return Object.fromEntries(methods.map((m) => [m, (url: string) => agent[m](url).expect(check)])) as ApiClient;
}
