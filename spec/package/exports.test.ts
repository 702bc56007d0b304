import * as source from '../../lib';
import { assertBuilt, node } from '../support/package';

// Every runtime export of lib/index.ts: what a consumer must find in the built package, both ways.
const EXPORTS = Object.keys(source).sort();

describe('the built package', () => {
  beforeAll(assertBuilt);

  describe("when loaded with require('vtex-session')", () => {
    it('should export every name of the sources', () => {
      const names = JSON.parse(node(['-e', "console.log(JSON.stringify(Object.keys(require('vtex-session')).sort()))"]));

      expect(names).toEqual(EXPORTS);
      expect(names).toEqual(expect.arrayContaining(['sessionMiddleware', 'LruSessionStore', 'RedisSessionStore', 'encodeSegment', 'decodeSegment']));
    });
  });

  describe("when loaded with import from 'vtex-session'", () => {
    it('should export the same names as require', () => {
      const names = JSON.parse(
        node(['--input-type=module', '-e', "import * as m from 'vtex-session'; console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))"]),
      );

      expect(names).toEqual(EXPORTS);
    });

    it('should load dist/index.mjs with a dynamic import()', () => {
      const names = JSON.parse(node(['-e', "import('./dist/index.mjs').then((m) => console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort())))"]));

      expect(names).toEqual(EXPORTS);
    });

    it('should hand out the very objects require does, so that instanceof and error classes agree', () => {
      const same = node([
        '--input-type=module',
        '-e',
        [
          "import { createRequire } from 'node:module';",
          "import * as esm from 'vtex-session';",
          "const cjs = createRequire(import.meta.url)('vtex-session');",
          'console.log(Object.keys(cjs).every((k) => esm[k] === cjs[k]));',
        ].join('\n'),
      ]);

      expect(same.trim()).toBe('true');
    });

    it('should serve a page with req.vtexSession and req.vtexSegment', () => {
      const answer = node([
        '--input-type=module',
        '-e',
        [
          "import express from 'express';",
          "import { sessionMiddleware } from 'vtex-session';",
          'const app = express();',
          "app.use(sessionMiddleware({ secret: 'a-secret-of-at-least-32-characters-long' }));",
          "app.get('/', (req, res) => res.json({ id: req.vtexSession.id, segment: req.vtexSegment.token }));",
          'const server = app.listen(0, async () => {',
          '  const res = await fetch(`http://127.0.0.1:${server.address().port}/`);',
          "  console.log(JSON.stringify({ body: await res.json(), cookies: res.headers.getSetCookie().map((c) => c.split('=')[0]) }));",
          '  server.close();',
          '});',
        ].join('\n'),
      ]);

      const { body, cookies } = JSON.parse(answer);
      expect(body.segment).toMatch(/^eyJjYW1wYWlnbnMiOm51bGwsImNoYW5uZWwiOiIxIiwicHJpY2VUYWJsZXMiOm51bGws/);
      expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(cookies).toEqual(['vtex_session', 'vtex_segment']);
    });
  });
});
