import { sessionMiddleware, type SessionOptions, type Transform } from '../../../lib';
import { SECRET, memoryLogger } from '../../support/app';

const writer = (name: string, output: Record<string, string[]>): Transform => ({ name, input: { public: ['x'] }, output, run: () => undefined });

const start = (transforms: Transform[]) => () =>
  sessionMiddleware({ secret: SECRET, logger: memoryLogger(), transforms } as SessionOptions);

describe('transform engine: declarations at start-up', () => {
  describe('when two custom transforms declare the same output', () => {
    it('should refuse to start with a TypeError naming both and the item', () => {
      expect(start([writer('shop/a', { custom: ['zone'] }), writer('shop/b', { custom: ['other', 'zone'] })])).toThrow(
        new TypeError('option transforms is invalid: shop/b and shop/a both declare output custom.zone'),
      );
    });
  });

  describe('when a custom transform declares an output of a built-in one', () => {
    it('should refuse to start', () => {
      expect(start([writer('shop/region', { checkout: ['regionId'] })])).toThrow(
        new TypeError('option transforms is invalid: shop/region and vtex.session/checkout both declare output checkout.regionId'),
      );
    });
  });

  describe('when two custom transforms have one name', () => {
    it('should refuse to start', () => {
      expect(start([writer('shop/a', { custom: ['one'] }), writer('shop/a', { custom: ['two'] })])).toThrow(TypeError);
    });
  });

  describe('when a transform is not shaped like one', () => {
    it.each([
      ['without run', { name: 'shop/a', input: {}, output: {} }],
      ['with keys that are not a list', { name: 'shop/a', input: { public: 'x' }, output: {}, run: () => undefined }],
    ])('should refuse one %s', (_, transform) => {
      expect(start([transform as unknown as Transform])).toThrow(/^option transforms\.0 is invalid/);
    });
  });

  describe('when the transforms declare distinct outputs', () => {
    it('should start', () => {
      expect(start([writer('shop/a', { custom: ['one'] }), writer('shop/b', { custom: ['two'] })])).not.toThrow();
    });
  });
});
