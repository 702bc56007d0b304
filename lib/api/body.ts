import type { IncomingMessage } from 'node:http';
import { BadRequestError } from '../errors';
import { isForbiddenKey } from '../namespaces';

/**
 * Reads a JSON request body within a limit. Written here rather than taken from body-parser so that
 * every failure is one of our typed 4xx errors (body-parser's differ between Express 4 and 5) and so
 * that keys that would reach a prototype are refused while parsing, at any depth.
 */
export async function readJsonBody(
  req: IncomingMessage & { body?: unknown; _body?: boolean },
  limit: number,
): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  // An application that parsed the body before us already consumed the stream: body-parser 1
  // (Express 4) marks that with `_body`, body-parser 2 (Express 5) only leaves the stream ended.
  if (req._body === true || req.readableEnded) return checkParsed(req.body, type);

  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > limit) throw tooLarge(limit);
  return parseJson(await collect(req, limit), type);
}

function parseJson(raw: Buffer | string, type: string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim() === '') return {};
  checkType(type);
  try {
    // A reviver makes JSON.parse several times slower. A text with none of the forbidden words and
    // no escape (`\u005f_proto__` spells `__proto__`) cannot hold a forbidden key.
    if (!text.includes('\\') && !text.includes('proto') && !text.includes('constructor')) return JSON.parse(text);
    return JSON.parse(text, refuseForbiddenKeys);
  } catch (error) {
    if (error instanceof BadRequestError) throw error;
    throw new BadRequestError('MALFORMED_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function checkType(type: string): void {
  // VTEX's page scripts send JSON, sometimes as text/plain (sendBeacon cannot set a type).
  if (type !== '' && !type.includes('json') && !type.startsWith('text/plain')) {
    throw new BadRequestError('UNSUPPORTED_MEDIA_TYPE', `request body must be JSON, not ${type.split(';')[0]}`, 415);
  }
  const charset = /charset=([^;\s]+)/.exec(type)?.[1]?.replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new BadRequestError('UNSUPPORTED_MEDIA_TYPE', `request body must be UTF-8, not ${charset}`, 415);
  }
}

function refuseForbiddenKeys(key: string, value: unknown): unknown {
  if (isForbiddenKey(key)) throw new BadRequestError('INVALID_KEY', `key ${JSON.stringify(key)} is not allowed`);
  return value;
}

function checkParsed(body: unknown, type: string): unknown {
  if (body === undefined || body === null) return {};
  // express.text() or express.raw() left the text for us to parse.
  if (typeof body === 'string' || Buffer.isBuffer(body)) return parseJson(body, type);
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return {};
  // A form parsed by express.urlencoded() is not JSON, however it was shaped.
  checkType(type);
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      refuseForbiddenKeys(key, undefined);
      stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return body;
}

const tooLarge = (limit: number) => new BadRequestError('BODY_TOO_LARGE', `request body is larger than ${limit} bytes`, 413);

function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (error) {
        // Let the rest of an oversized body drain so that the 413 reaches the client.
        req.resume();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(new BadRequestError('BODY_ABORTED', `request body could not be read: ${error.message}`));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
