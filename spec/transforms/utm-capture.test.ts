import request from 'supertest';
import { makeApp } from '../support/app';
import { Visitor } from '../support/transforms';
import type { SessionOptions } from '../../lib';

const options: SessionOptions = { audiences: [{ id: 'bf-2024', utm_campaign: ['blackfriday'] }] };

describe('UTM capture on page requests', () => {
  describe('when a first visit lands on a GET page with UTMs', () => {
    it('should render with the campaign in req.vtexSegment and the audience applied', async () => {
      const page = await new Visitor(makeApp(options)).page('/page?utm_campaign=blackfriday&utm_source=mail');
      expect(page.body.segment.data).toMatchObject({ utm_campaign: 'blackfriday', utm_source: 'mail', campaigns: 'bf-2024' });
      expect(page.body.namespaces.public).toEqual({ utm_campaign: { value: 'blackfriday' }, utm_source: { value: 'mail' } });
    });

    it('should set the vtex_segment cookie of that segment', async () => {
      const visitor = new Visitor(makeApp(options));
      await visitor.page('/page?utm_campaign=blackfriday');
      expect(visitor.segment()).toMatchObject({ utm_campaign: 'blackfriday', campaigns: 'bf-2024' });
    });

    it('should copy utmi_cp, which the segment shows as utmi_campaign', async () => {
      const page = await new Visitor(makeApp()).page('/page?utmi_cp=spring');
      expect(page.body.segment.data.utmi_campaign).toBe('spring');
    });
  });

  describe('when a returning visitor follows another campaign link', () => {
    it('should replace the campaign', async () => {
      const visitor = new Visitor(makeApp(options));
      await visitor.page('/page?utm_campaign=blackfriday');
      const page = await visitor.page('/page?utm_campaign=summer');
      expect(page.body.segment.data).toMatchObject({ utm_campaign: 'summer', campaigns: null });
    });

    it('should not write the session when the UTMs are the ones it holds', async () => {
      const visitor = new Visitor(makeApp(options));
      const first = await visitor.page('/page?utm_campaign=blackfriday');
      const again = await visitor.page('/page?utm_campaign=blackfriday');
      expect(again.body.version).toBe(first.body.version);
    });
  });

  describe('when the query holds keys that captureQuery does not list', () => {
    it('should copy none of them', async () => {
      const page = await new Visitor(makeApp()).page('/page?sc=2&country=BRA&utm_campaign=x');
      expect(Object.keys(page.body.namespaces.public)).toEqual(['utm_campaign']);
    });

    it('should copy the keys of a captureQuery option instead of the UTMs', async () => {
      const page = await new Visitor(makeApp({ captureQuery: ['cultureInfo'] })).page('/page?cultureInfo=en-US&utm_campaign=x');
      expect(page.body.namespaces.public).toEqual({ cultureInfo: { value: 'en-US' } });
    });
  });

  describe('when the page request is a POST', () => {
    it('should not copy the query', async () => {
      const app = makeApp(options, (app) => app.post('/page', (req, res) => res.json({ segment: req.vtexSegment, public: req.vtexSession.namespaces.public ?? null })));
      const res = await request(app).post('/page?utm_campaign=blackfriday');
      expect(res.body.public).toBeNull();
      expect(res.body.segment.data).toMatchObject({ utm_campaign: null, campaigns: null });
    });
  });
});
