import { makeApp } from '../support/app';
import { Visitor, segmentOf } from '../support/transforms';

describe('search transform', () => {
  describe('when public.facets is written', () => {
    it('should copy it into search.facets and the segment', async () => {
      const visitor = new Visitor(makeApp());
      const res = await visitor.patch({ facets: 'productClusterIds=137' }, '?items=search.facets');
      expect(res.body.namespaces).toEqual({ search: { facets: { value: 'productClusterIds=137' } } });
      expect(visitor.segment().facets).toBe('productClusterIds=137');
    });
  });

  describe('when public.facets is cleared', () => {
    it('should leave facets out of the segment', async () => {
      const visitor = new Visitor(makeApp());
      await visitor.patch({ facets: 'productClusterIds=137' });
      const res = await visitor.patch({ facets: '' });
      expect(segmentOf(res.body.segmentToken)).not.toHaveProperty('facets');
    });
  });
});
