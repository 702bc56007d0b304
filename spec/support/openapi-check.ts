import { OpenApiValidator } from './openapi';

/**
 * The fuzz tests' view of the OpenAPI check: one answer as sent and received (with its prefix, its
 * content type, HEAD included), checked by the same validator as the API tests.
 */
export interface AnswerToCheck {
  method: string;
  /** The request path as sent, with its prefix (`/api/sessions/abc`), without the query. */
  path: string;
  status: number;
  contentType?: string;
  /** The parsed JSON body (ignored for HEAD). */
  body: unknown;
}

type Document = ConstructorParameters<typeof OpenApiValidator>[0];

export function openApiChecker(document: unknown) {
  const validator = new OpenApiValidator(document as Document);
  const prefix = validator.document.servers?.[0]?.url ?? '';

  /** The problems of one answer; an empty list when it matches the document. */
  return function check({ method, path, status, contentType, body }: AnswerToCheck): string[] {
    if (!path.startsWith(prefix)) return [`${path} is outside the documented prefix ${prefix}`];
    const rest = path.slice(prefix.length).replace(/(.)\/$/, '$1');
    const head = method.toUpperCase() === 'HEAD';
    // A HEAD answer has no body to check; its status must still be one GET declares.
    if (!head && !contentType?.startsWith('application/json')) return [`${method} ${path} ${status} answered ${contentType ?? 'no content type'}, not JSON`];
    const problem = validator.problems(head ? 'GET' : method, rest, status, head ? undefined : body, { bodyless: head });
    return problem === undefined ? [] : [problem];
  };
}

export type OpenApiCheck = ReturnType<typeof openApiChecker>;
