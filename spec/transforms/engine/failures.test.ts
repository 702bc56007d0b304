import { makeApp, memoryLogger } from '../../support/app';
import { Visitor } from '../../support/transforms';
import { TransformRefusedError, type Transform } from '../../../lib';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `custom.zone` from `public.country`; `behave` decides, per call, whether it answers, throws or hangs. */
function zone(behave: () => 'answer' | 'throw' | 'slow', timeout?: number): Transform {
  return {
    name: 'test/zone',
    input: { public: ['country'] },
    output: { custom: ['zone'] },
    timeout,
    async run(input) {
      const mode = behave();
      if (mode === 'throw') throw new Error('zone service failed');
      if (mode === 'slow') await sleep(400);
      return { custom: { zone: { value: `zone-of-${String(input.public?.country?.value)}` } } };
    },
  };
}

/** `custom.echo` from `public.country`: a neighbour in the same round, which must not be affected. */
const echo: Transform = {
  name: 'test/echo',
  input: { public: ['country'] },
  output: { custom: ['echo'] },
  run: (input) => ({ custom: { echo: { value: input.public?.country?.value ?? '' } } }),
};

describe('transform engine: failures', () => {
  describe('when a transform throws', () => {
    it('should keep its previous outputs, log the failure and still answer the write', async () => {
      let mode: 'answer' | 'throw' = 'answer';
      const logger = memoryLogger();
      const visitor = new Visitor(makeApp({ logger, transforms: [zone(() => mode), echo] }));
      await visitor.patch({ country: 'BRA' });
      mode = 'throw';
      const res = await visitor.patch({ country: 'PRT' }, '?items=custom,public.country');
      expect(res.status).toBe(200);
      expect(res.body.namespaces).toEqual({
        custom: { zone: { value: 'zone-of-BRA' }, echo: { value: 'PRT' } },
        public: { country: { value: 'PRT' } },
      });
      expect(logger.lines).toEqual([
        {
          level: 'error',
          message: 'session transform failed; its previous outputs are kept',
          detail: { transform: 'test/zone', error: 'zone service failed' },
        },
      ]);
    });
  });

  describe('when a transform runs past its timeout', () => {
    it('should keep its previous outputs and log the timeout', async () => {
      let mode: 'answer' | 'slow' = 'answer';
      const logger = memoryLogger();
      const visitor = new Visitor(makeApp({ logger, transforms: [zone(() => mode, 50), echo] }));
      await visitor.patch({ country: 'BRA' });
      mode = 'slow';
      const res = await visitor.patch({ country: 'PRT' }, '?items=custom');
      expect(res.status).toBe(200);
      expect(res.body.namespaces.custom).toEqual({ zone: { value: 'zone-of-BRA' }, echo: { value: 'PRT' } });
      expect(logger.lines).toEqual([
        {
          level: 'error',
          message: 'session transform timed out; its previous outputs are kept',
          detail: { transform: 'test/zone', timeout: 50 },
        },
      ]);
    });

    it('should use transformTimeout when the transform sets no timeout', async () => {
      const logger = memoryLogger();
      const visitor = new Visitor(makeApp({ logger, transformTimeout: 50, transforms: [zone(() => 'slow')] }));
      const res = await visitor.patch({ country: 'PRT' }, '?items=custom');
      expect(res.status).toBe(200);
      expect(res.body.namespaces).toEqual({});
      expect(logger.lines).toEqual([expect.objectContaining({ detail: { transform: 'test/zone', timeout: 50 } })]);
    });
  });

  describe('when a transform refuses the write', () => {
    const guard: Transform = {
      name: 'test/guard',
      input: { public: ['country'] },
      output: {},
      run(input) {
        if (input.public?.country?.value === 'XXX') throw new TransformRefusedError('country XXX is not served', 403);
      },
    };

    it('should fail the write with the refusal status and store nothing', async () => {
      const visitor = new Visitor(makeApp({ transforms: [guard] }));
      await visitor.patch({ country: 'BRA' });
      const before = await visitor.session();
      const res = await visitor.patch({ country: 'XXX', postalCode: '1' });
      expect(res.status).toBe(403);
      expect(res.body.error).toEqual({ code: 'FORBIDDEN', message: 'country XXX is not served' });
      expect(await visitor.session()).toEqual(before);
    });
  });
});
