import { SECOND } from '../../support/fake-clock';
import { randomUUID } from 'node:crypto';
import { makeApp } from '../../support/app';
import { Visitor } from '../../support/transforms';
import type { Namespaces, Transform, TransformContext } from '../../../lib';

/** Moves the clock to `ms` milliseconds past the next whole second. */
function toNextSecondPlus(ms: number): number {
  jest.advanceTimersByTime(SECOND - (Date.now() % SECOND) + ms);
  return Date.now();
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('transform engine: session creation', () => {
  describe('when a custom transform is runOnCreate', () => {
    it('should run at creation, with empty input, before the page renders', async () => {
      const calls: Array<{ input: Namespaces; context: TransformContext }> = [];
      const visit: Transform = {
        name: 'shop/first-visit',
        input: { public: ['utm_source'] },
        output: { custom: ['firstVisit'] },
        runOnCreate: true,
        run: (input, context) => {
          calls.push({ input, context });
          return { custom: { firstVisit: { value: new Date(context.now).toISOString() } } };
        },
      };
      const page = await new Visitor(makeApp({ transforms: [visit] })).page('/page?utm_source=mail');
      expect(page.body.namespaces.custom.firstVisit.value).toBe(new Date().toISOString());
      // Once at creation with empty input, then once in the cascade for the captured utm_source.
      expect(calls.map((c) => [c.input, c.context.creating])).toEqual([
        [{}, true],
        [{ public: { utm_source: { value: 'mail' } } }, true],
      ]);
    });

    it('should give each new session its own outputs, even within one second', async () => {
      const visitorId: Transform = {
        name: 'shop/visitor-id',
        input: {},
        output: { custom: ['visitorId'] },
        runOnCreate: true,
        run: () => ({ custom: { visitorId: { value: randomUUID() } } }),
      };
      const app = makeApp({ transforms: [visitorId] });
      toNextSecondPlus(0);
      const first = await new Visitor(app).page();
      const second = await new Visitor(app).page();
      expect(first.body.namespaces.custom.visitorId.value).not.toBe(second.body.namespaces.custom.visitorId.value);
    });
  });

  describe('when a custom transform watches what the creation writes', () => {
    it('should run for each new session, even within one second', async () => {
      const tagged: Transform = {
        name: 'shop/channel-visit',
        input: { store: ['channel'] },
        output: { custom: ['visitorId'] },
        run: () => ({ custom: { visitorId: { value: randomUUID() } } }),
      };
      const app = makeApp({ transforms: [tagged] });
      toNextSecondPlus(0);
      const first = await new Visitor(app).page();
      const second = await new Visitor(app).page();
      expect(first.body.namespaces.custom.visitorId.value).toEqual(expect.any(String));
      expect(first.body.namespaces.custom.visitorId.value).not.toBe(second.body.namespaces.custom.visitorId.value);
    });
  });

  describe('when an audience window opens or closes within a second', () => {
    // New sessions of one second share their computed namespaces: the window's edge must still be exact.
    it('should not give a visitor who arrives after the window opens the namespaces of one who came before', async () => {
      const start = toNextSecondPlus(100);
      const app = makeApp({ audiences: [{ id: 'flash-sale', from: iso(start + 400) }] });
      const before = await new Visitor(app).page();
      jest.advanceTimersByTime(500);
      const after = await new Visitor(app).page();
      expect(Math.floor(Date.now() / SECOND)).toBe(Math.floor(start / SECOND));
      expect(before.body.segment.data.campaigns).toBeNull();
      expect(after.body.segment.data.campaigns).toBe('flash-sale');
    });

    it('should not give a visitor who arrives after the window closes the campaign', async () => {
      const start = toNextSecondPlus(100);
      const app = makeApp({ audiences: [{ id: 'flash-sale', to: iso(start + 400) }] });
      const before = await new Visitor(app).page();
      jest.advanceTimersByTime(500);
      const after = await new Visitor(app).page();
      expect(before.body.segment.data.campaigns).toBe('flash-sale');
      expect(after.body.segment.data.campaigns).toBeNull();
    });
  });

  describe('when the window holds a campaign link', () => {
    it('should match a session that is written inside the window', async () => {
      const start = toNextSecondPlus(0);
      const app = makeApp({ audiences: [{ id: 'weekend', utm_campaign: ['weekend'], from: iso(start + 60 * SECOND) }] });
      const visitor = new Visitor(app);
      expect((await visitor.page('/page?utm_campaign=weekend')).body.segment.data.campaigns).toBeNull();
      jest.advanceTimersByTime(61 * SECOND);
      expect((await visitor.page('/page?utm_campaign=other')).body.segment.data.campaigns).toBeNull();
      expect((await visitor.page('/page?utm_campaign=weekend')).body.segment.data.campaigns).toBe('weekend');
    });
  });
});
