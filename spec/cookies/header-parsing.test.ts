import { makeApp, setCookie } from '../support/app';
import { visit } from '../support/session';

/** A returning visitor's cookie values. */
async function returningVisitor() {
  const app = makeApp();
  const first = await visit(app);
  return { app, id: first.body.id as string, session: setCookie(first, 'vtex_session')!.value, segment: first.body.segment.token as string };
}

describe('reading the Cookie header', () => {
  describe('when clients send it loosely', () => {
    const headers: Array<[string, (session: string, segment: string) => string]> = [
      ['with a trailing ;', (s, g) => `vtex_session=${s}; vtex_segment=${g};`],
      ['without spaces', (s, g) => `vtex_session=${s};vtex_segment=${g}`],
      ['with extra spaces', (s, g) => `   vtex_session = ${s} ;   vtex_segment=${g}  ;  `],
      ['with undocumented extra cookies (session_path, workspace)', (s, g) => `session_path=/; vtex_session=${s}; workspace=master; vtex_segment=${g}`],
      ['with a duplicate that comes after', (s, g) => `vtex_session=${s}; vtex_segment=${g}; vtex_session=garbage`],
      ['with a quoted value', (s, g) => `vtex_session="${s}"; vtex_segment=${g}`],
      ['with a cookie whose name ends like ours', (s, g) => `xvtex_session=garbage; vtex_session=${s}; my_vtex_segment=x; vtex_segment=${g}`],
    ];

    it.each(headers)('should open the same session %s', async (_, header) => {
      const { app, id, session, segment } = await returningVisitor();

      const res = await visit(app, header(session, segment));

      expect(res.status).toBe(200);
      expect(res.body.id).toBe(id);
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('when the header is malformed', () => {
    it.each([';;;', '=', 'vtex_session', 'vtex_session=%E0%A4%A', '; = ; vtex_session=;'])('should start a new session for %j without failing', async (header) => {
      const res = await visit(makeApp(), header);

      expect(res.status).toBe(200);
      expect(setCookie(res, 'vtex_session')).toBeDefined();
    });
  });
});
