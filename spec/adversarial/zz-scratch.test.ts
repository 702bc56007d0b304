import { RecordingStore, listen, rawClient, storefrontOptions } from '../support/adversarial';
import { makeApp } from '../support/app';
it('scratch', async () => {
  const store = new RecordingStore();
  const server = await listen(makeApp(storefrontOptions(store)));
  const client = rawClient(server);
  const v = 'x'.repeat(1000);
  const page = await client.send({ path: `/page?utm_source=${v}&utm_campaign=${v}&utmi_cp=${v}` });
  console.log(page.status, page.cookies.vtex_segment?.length, (page.headers['set-cookie'] as string[]).map(s => s.length));
  const seg = await client.send({ path: `/api/segments/${page.cookies.vtex_segment}` });
  console.log(seg.status, seg.text.slice(0, 200));
  const w = 'y'.repeat(2000);
  const res = await client.send({ method: 'PATCH', path: '/api/sessions', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ public: { utm_source: { value: w }, utm_campaign: { value: w }, utmi_campaign: { value: w }, facets: { value: w } } }) });
  console.log(res.status, res.text.length, res.cookies.vtex_segment?.length);
  client.close(); await server.close();
});
