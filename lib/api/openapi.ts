import { ERROR_TYPE_NAMES } from '../errors';
import { KEY_PATTERN } from './schemas';
import { SEGMENT_FIELDS } from '../segment/codec';
import { SEGMENT_OVERRIDES } from './segments';

const nullableString = { type: ['string', 'null'] };

// The segment's fields as the codec defines them: the fields it always writes are required.
const segmentSchema = {
  type: 'object',
  required: SEGMENT_FIELDS.filter((f) => !f.optional).map((f) => f.name),
  additionalProperties: false,
  properties: Object.fromEntries(SEGMENT_FIELDS.map((f) => [f.name, nullableString])),
};

/**
 * The OpenAPI 3.1 document of the mounted API (served at `<apiPrefix>/sessions/openapi.json`).
 * 3.1 because its schemas are plain JSON Schema, which the tests validate real answers against.
 */
export function openApiDocument(prefix: string) {
  const token = { name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'A vtex_session token, instead of the cookie' };
  const items = {
    name: 'items',
    in: 'query',
    schema: { type: 'string' },
    description: 'Comma-separated ns.key names (split at the first dot); * for all',
  };
  const segmentToken = { name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'A vtex_segment token' };
  const overrides = Object.keys(SEGMENT_OVERRIDES).map((name) => ({
    name,
    in: 'query',
    schema: { type: 'string' },
    description: 'Overrides this field in this answer only; never stored',
  }));
  const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
  const errors = {
    '400': { description: 'Malformed request', ...json('Error') },
    '401': { description: 'A private sales channel needs a login', ...json('Error') },
    '403': { description: 'A private sales channel this customer may not use, or a write the browser marks as cross-site', ...json('Error') },
    '405': { description: 'Method not allowed', ...json('Error') },
    '409': { description: 'Concurrent writes kept conflicting', ...json('Error') },
    '413': { description: 'Body over the limit', ...json('Error') },
    '415': { description: 'Body is not JSON', ...json('Error') },
    '500': { description: 'An unexpected failure (logged, never echoed)', ...json('Error') },
    '503': { description: 'Session store unavailable', ...json('Error') },
  };
  const write = (status: '200' | '201', summary: string, parameters: object[]) => ({
    summary,
    parameters: [...parameters, items],
    requestBody: { required: false, ...json('SessionWrite') },
    responses: {
      [status]: {
        description: 'Written. With items=, the filtered session; otherwise the tokens. Sets both cookies.',
        content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Tokens' }, { $ref: '#/components/schemas/Session' }] } } },
      },
      ...errors,
    },
  });
  const read = (summary: string, parameters: object[]) => ({
    summary,
    parameters: [...parameters, { ...items, required: true }],
    responses: { '200': { description: 'The session with the items asked for', ...json('Session') }, ...errors },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'vtex-session: VTEX Session Manager API', version: '1' },
    servers: [{ url: prefix }],
    paths: {
      '/sessions': {
        get: read('Read the current session', []),
        post: write('201', 'Create or edit the session from public items', []),
        patch: write('200', 'Edit the session (merge)', []),
      },
      '/sessions/{token}': {
        get: read('Read the session a token names', [token]),
        post: write('201', 'Edit the session a token names', [token]),
        patch: write('200', 'Edit the session a token names (merge)', [token]),
      },
      '/segments': {
        get: {
          summary: 'The current segment',
          parameters: [...overrides, { name: 'defaultSegment', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } }],
          responses: { '200': { description: 'The segment; sets vtex_segment', ...json('Segment') }, ...errors },
        },
      },
      '/segments/{token}': {
        get: {
          summary: 'Decode a segment token',
          parameters: [segmentToken, ...overrides],
          responses: { '200': { description: 'The segment; sets vtex_segment', ...json('Segment') }, ...errors },
        },
      },
    },
    components: {
      schemas: {
        Item: {
          type: 'object',
          required: ['value'],
          properties: { value: {}, keepAlive: { type: 'boolean' } },
        },
        Namespaces: {
          type: 'object',
          propertyNames: { pattern: KEY_PATTERN },
          additionalProperties: {
            type: 'object',
            propertyNames: { pattern: KEY_PATTERN },
            additionalProperties: { $ref: '#/components/schemas/Item' },
          },
        },
        Session: {
          type: 'object',
          required: ['id', 'namespaces', 'version', 'active', 'debug'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', format: 'uuid' },
            namespaces: { $ref: '#/components/schemas/Namespaces' },
            version: { type: 'integer', minimum: 0, description: 'Writes the session has had: 0 until its first write stores it' },
            active: { const: true },
            debug: { const: false },
          },
        },
        SessionWrite: {
          type: 'object',
          properties: {
            public: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Item' } },
          },
        },
        Tokens: {
          type: 'object',
          required: ['sessionToken', 'segmentToken'],
          additionalProperties: false,
          properties: { sessionToken: { type: 'string' }, segmentToken: { type: 'string' } },
        },
        Segment: segmentSchema,
        Error: {
          type: 'object',
          description: 'type and message as VTEX\'s own error bodies carry them (its session-client reads these two); error.code is this package\'s stable code',
          required: ['type', 'message', 'error'],
          additionalProperties: false,
          properties: {
            type: { enum: [...ERROR_TYPE_NAMES] },
            message: { type: 'string' },
            error: {
              type: 'object',
              required: ['code', 'message'],
              additionalProperties: false,
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
    },
  };
}
