import { makeApp, memoryLogger } from '../../support/app';
import { Visitor } from '../../support/transforms';
import type { Namespaces, NamespacesPatch, Transform, TransformContext } from '../../../lib';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `custom.<to>` = `custom.<from>` + 1 (or 1 when unset), watching `input`. */
function increment(name: string, input: Record<string, string[]>, from: string, to: string): Transform {
  return {
    name,
    input,
    output: { custom: [to] },
    run: (values) => {
      const previous = values.custom?.[from]?.value;
      return { custom: { [to]: { value: typeof previous === 'number' ? previous + 1 : 1 } } };
    },
  };
}

describe('transform engine: the cascade', () => {
  describe('when a transform output feeds another transform', () => {
    it('should run round after round until nothing changes, and answer the settled values', async () => {
      const app = makeApp({
        transforms: [
          increment('test/a', { public: ['go'] }, 'none', 'a'),
          increment('test/b', { custom: ['a'] }, 'a', 'b'),
          increment('test/c', { custom: ['b'] }, 'b', 'c'),
        ],
      });
      const res = await new Visitor(app).patch({ go: 'yes' }, '?items=custom');
      expect(res.body.namespaces.custom).toEqual({ a: { value: 1 }, b: { value: 2 }, c: { value: 3 } });
    });
  });

  describe('when two transforms feed each other forever', () => {
    const cycle = () => [
      increment('test/ping', { public: ['go'], custom: ['pong'] }, 'pong', 'ping'),
      increment('test/pong', { custom: ['ping'] }, 'ping', 'pong'),
    ];

    it('should stop after the bound of rounds, log an error and keep the last values', async () => {
      const logger = memoryLogger();
      const visitor = new Visitor(makeApp({ logger, transforms: cycle() }));
      const res = await visitor.patch({ go: 'yes' }, '?items=custom');
      expect(res.status).toBe(200);
      // Ten rounds: ping in the even ones (1, 3, ..., 9), pong in the odd ones (2, ..., 10).
      expect(res.body.namespaces.custom).toEqual({ ping: { value: 9 }, pong: { value: 10 } });
      expect(logger.lines).toEqual([
        expect.objectContaining({ level: 'error', message: 'session transforms did not settle; the last values are kept' }),
      ]);
      expect((await visitor.session('custom')).namespaces.custom).toEqual({ ping: { value: 9 }, pong: { value: 10 } });
    });

    it('should leave the session usable', async () => {
      const visitor = new Visitor(makeApp({ transforms: cycle() }));
      await visitor.patch({ go: 'yes' });
      const res = await visitor.patch({ country: 'BRA' }, '?items=public.country');
      expect(res.status).toBe(200);
      expect(res.body.namespaces.public.country.value).toBe('BRA');
    });
  });

  describe('when several transforms watch a changed item', () => {
    it('should run them concurrently within the round', async () => {
      const events: string[] = [];
      const slow = (name: string): Transform => ({
        name,
        input: { public: ['go'] },
        output: { custom: [name.replace('test/', '')] },
        async run() {
          events.push(`${name} start`);
          await sleep(200);
          events.push(`${name} end`);
          return { custom: { [name.replace('test/', '')]: { value: true } } };
        },
      });
      const res = await new Visitor(makeApp({ transforms: [slow('test/one'), slow('test/two')] })).patch({ go: 'yes' }, '?items=custom');
      expect(res.body.namespaces.custom).toEqual({ one: { value: true }, two: { value: true } });
      // Both started before either ended: they overlapped, whatever the machine's speed.
      expect(events.slice(0, 2).sort()).toEqual(['test/one start', 'test/two start']);
      expect(events.slice(2).sort()).toEqual(['test/one end', 'test/two end']);
    });
  });

  describe('when a transform runs', () => {
    function recorder(input: Record<string, string[]>) {
      const calls: Array<{ input: Namespaces; context: TransformContext }> = [];
      const transform: Transform = {
        name: 'test/recorder',
        input,
        output: {},
        run: (values, context) => void calls.push({ input: values, context }),
      };
      return { calls, transform };
    }

    it('should receive only its declared inputs', async () => {
      const { calls, transform } = recorder({ public: ['country', 'postalCode'] });
      const visitor = new Visitor(makeApp({ transforms: [transform] }));
      await visitor.patch({ utm_source: 'mail', postalCode: '01310-100' });
      await visitor.patch({ country: 'BRA' });
      expect(calls.map((c) => c.input)).toEqual([
        { public: { postalCode: { value: '01310-100' } } },
        { public: { country: { value: 'BRA' }, postalCode: { value: '01310-100' } } },
      ]);
    });

    it('should receive a whole namespace when it declares "*"', async () => {
      const { calls, transform } = recorder({ public: ['*'] });
      await new Visitor(makeApp({ transforms: [transform] })).patch({ a: '1', b: '2' });
      expect(calls[0].input).toEqual({ public: { a: { value: '1' }, b: { value: '2' } } });
    });

    it('should be told which changed items made it run', async () => {
      const { calls, transform } = recorder({ public: ['country', 'postalCode'] });
      const visitor = new Visitor(makeApp({ transforms: [transform] }));
      await visitor.page();
      await visitor.patch({ country: 'BRA', utm_source: 'mail' });
      expect([...calls[0].context.changed].sort()).toEqual(['public.country', 'public.utm_source']);
      expect(calls[0].context.creating).toBe(false);
    });
  });

  describe('when a transform returns more than it declares', () => {
    it('should merge only the declared outputs', async () => {
      const greedy: Transform = {
        name: 'test/greedy',
        input: { public: ['go'] },
        output: { custom: ['declared'] },
        run: () => ({
          custom: { declared: { value: 'yes' }, undeclared: { value: 'no' } },
          profile: { priceTables: { value: 'stolen' } },
          public: { go: { value: 'rewritten' } },
        }),
      };
      const visitor = new Visitor(makeApp({ transforms: [greedy] }));
      const res = await visitor.patch({ go: 'yes' }, '?items=custom,profile,public');
      expect(res.body.namespaces).toEqual({
        custom: { declared: { value: 'yes' } },
        profile: { isAuthenticated: { value: 'false' } },
        public: { go: { value: 'yes' } },
      });
      expect(visitor.segment().priceTables).toBeNull();
    });

    it('should keep an output it leaves out of its result', async () => {
      let answer: 'both' | 'first' = 'both';
      const partial: Transform = {
        name: 'test/partial',
        input: { public: ['go'] },
        output: { custom: ['first', 'second'] },
        run: (): NamespacesPatch => ({ custom: answer === 'both' ? { first: { value: 1 }, second: { value: 2 } } : { first: { value: 3 } } }),
      };
      const visitor = new Visitor(makeApp({ transforms: [partial] }));
      await visitor.patch({ go: '1' });
      answer = 'first';
      const res = await visitor.patch({ go: '2' }, '?items=custom');
      expect(res.body.namespaces.custom).toEqual({ first: { value: 3 }, second: { value: 2 } });
    });
  });
});
