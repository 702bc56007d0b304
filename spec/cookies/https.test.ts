import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Express } from 'express';
import { sessionMiddleware } from '../../lib';
import { memoryLogger, SECRET } from '../support/app';

/** A self-signed certificate for 127.0.0.1, made for this run by openssl (CI installs it). */
function certificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'vtex-session-tls-'));
  try {
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr?.toString() ?? made.error?.message}`);
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Set-Cookie lines a new visitor gets from `path`, over HTTPS, optionally claiming another protocol. */
async function cookiesOver(server: Server, path: string, forwardedProto?: string): Promise<string[]> {
  const { port } = server.address() as AddressInfo;
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: forwardedProto ? { 'x-forwarded-proto': forwardedProto } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['set-cookie'] ?? []));
    });
    req.on('error', reject);
    req.end();
  });
}

const secure = (line: string) => line.split(';').some((a) => a.trim().toLowerCase() === 'secure');

describe('cookies over a direct HTTPS connection', () => {
  let server: Server;

  beforeAll(async () => {
    const direct: Express = express();
    direct.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
    direct.get('/page', (_req, res) => void res.send('ok'));

    // A sub-application mounted under a parent that trusts a proxy inherits that setting.
    const proxied: Express = express();
    proxied.set('trust proxy', 1);
    const shop: Express = express();
    shop.use(sessionMiddleware({ secret: SECRET, logger: memoryLogger() }));
    shop.get('/page', (_req, res) => void res.send('ok'));
    proxied.use('/shop', shop);

    const root = express();
    root.use('/direct', direct);
    root.use('/proxied', proxied);
    server = createServer(certificate(), root);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('should add Secure with Express’s default trust proxy, whatever a client claims', async () => {
    for (const claim of [undefined, 'http']) {
      const lines = await cookiesOver(server, '/direct/page', claim);
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(secure(line)).toBe(true);
    }
  });

  it('should follow the proxy the application trusts, in a mounted sub-application too', async () => {
    const overHttp = await cookiesOver(server, '/proxied/shop/page', 'http');
    expect(overHttp).toHaveLength(2);
    for (const line of overHttp) expect(secure(line)).toBe(false);
    const overHttps = await cookiesOver(server, '/proxied/shop/page', 'https');
    for (const line of overHttps) expect(secure(line)).toBe(true);
  });
});
