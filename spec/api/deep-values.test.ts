import express from 'express';
import request from 'supertest';
import { sessionMiddleware } from '../../lib';
import { memoryLogger, SECRET } from '../support/app';

// Nested deeper than JSON.stringify's stack reaches, yet within the 16 KiB body limit.
const deepArrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const body = `{"public":{"facets":{"value":${deepArrays(7000)}}}}`;

describe('a write whose value is nested thousands of levels deep', () => {
  it.each([
    ['read by the session layer', false],
    ['parsed by express.json() before the session layer', true],
  ])('should be refused with 400 VALUE_TOO_LARGE when %s, and create no session', async (_label, parsedFirst) => {
    const app = express();
    const logger = memoryLogger();
    if (parsedFirst) app.use(express.json({ limit: '16kb' }));
    app.use(sessionMiddleware({ secret: SECRET, logger }));

    const res = await request(app).post('/api/sessions').set('Content-Type', 'application/json').send(body);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALUE_TOO_LARGE');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
  });
});
