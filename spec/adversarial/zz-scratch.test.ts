import { RecordingStore, listen, rawClient, storefrontOptions } from '../support/adversarial';
import { makeApp } from '../support/app';
it('scratch', async () => {
  const store = new RecordingStore();
  const server = await listen(makeApp(storefrontOptions(store)));
  const client = rawClient(server);
  const badCookie: string[] = []; const badPath: string[] = [];
  for (let c = 0x21; c <= 0xff; c++) {
    const ch = String.fromCharCode(c);
    try {
      const res = await client.send({ path: '/api/sessions?items=*', headers: { cookie: `vtex_session=a${ch}b` } });
      if (!String(res.headers['content-type']).startsWith('application/json')) badCookie.push(`${c.toString(16)}:${res.status}`);
    } catch (e) { badCookie.push(`${c.toString(16)}:client ${(e as Error).message.slice(0, 40)}`); }
    try {
      const res = await client.send({ path: `/api/sessions?items=*&x=a${ch}b` });
      if (!String(res.headers['content-type']).startsWith('application/json')) badPath.push(`${c.toString(16)}:${res.status}`);
    } catch (e) { badPath.push(`${c.toString(16)}:client ${(e as Error).message.slice(0, 40)}`); }
  }
  console.log(badCookie.join(' '), '\n---\n', badPath.join(' '));
  client.close(); await server.close();
});
