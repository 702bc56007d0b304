import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createClient } from 'redis';
import { decodeSessionToken } from '../../lib';
import { redisUrl, SECRET } from '../support/app';

const SERVER = join(__dirname, '..', '..', 'demo-store', 'server.js');

interface Running {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
}

const started: ChildProcess[] = [];

/** Runs `node demo-store/server.js` as `npm start` does (after the build) and waits for its start line. */
function startServer(env: Record<string, string | undefined>): Promise<Running> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  const child = spawn(process.execPath, [SERVER], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr.join('')}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout.push(...chunk.toString().split('\n').filter(Boolean));
      const url = /listening on (http:\/\/\S+)/.exec(stdout.join('\n'))?.[1];
      if (url !== undefined) resolve({ child, url, stdout, stderr });
    });
  });
}

async function until(condition: () => boolean, timeout = 2000): Promise<void> {
  for (const start = Date.now(); !condition() && Date.now() - start < timeout; ) await new Promise((r) => setTimeout(r, 20));
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

afterEach(async () => {
  await Promise.all(started.splice(0).map(stop));
});

describe('the demo store’s server', () => {
  describe('when started with the in-process store', () => {
    it('should log one line with its URL and serve the product list there', async () => {
      const server = await startServer({ SESSION_SECRET: SECRET, REDIS_URL: undefined });

      const res = await fetch(`${server.url}/`);

      expect(server.stdout).toEqual([expect.stringMatching(/^demo store listening on http:\/\/127\.0\.0\.1:\d+ \(sessions in memory\)$/)]);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Our coffee');
      expect(server.stderr.join('')).toBe('');
    });

    it('should warn about the random secret when SESSION_SECRET is not set', async () => {
      const server = await startServer({ SESSION_SECRET: undefined, REDIS_URL: undefined });
      // The warning is written before the start line, but on the other pipe: it may arrive later.
      await until(() => server.stderr.length > 0);

      expect(server.stderr.join('')).toContain('no secret given');
    });

    it('should stop cleanly on SIGTERM', async () => {
      const server = await startServer({ SESSION_SECRET: SECRET, REDIS_URL: undefined });

      expect(await stop(server.child)).toBe(0);
    });
  });

  const url = redisUrl();
  if (url === undefined) console.warn('Skipping the demo store’s Redis test: REDIS_URL is not set.');
  (url === undefined ? describe.skip : describe)('when REDIS_URL is set', () => {
    it('should keep the sessions in Redis', async () => {
      const server = await startServer({ SESSION_SECRET: SECRET, REDIS_URL: url });
      const client = createClient({ url });
      client.on('error', () => undefined);
      await client.connect();
      try {
        // A campaign landing writes the session, so it is stored at once (a bare page view is not).
        const res = await fetch(`${server.url}/?utm_source=newsletter`);
        const token = /vtex_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1];
        const id = decodeSessionToken(token ?? '')?.id;

        expect(server.stdout[0]).toMatch(/\(sessions in Redis\)$/);
        expect(id).toBeDefined();
        expect(await client.exists(`vtex-session:${id}`)).toBe(1);
        expect(JSON.parse((await client.hGet(`vtex-session:${id}`, 'd'))!).namespaces.public.utm_source).toEqual({ value: 'newsletter' });
        expect(await stop(server.child)).toBe(0);
      } finally {
        await client.close();
      }
    });
  });
});
