import { encodeSegment } from '../../lib/segment/codec';
import { segmentDataOf, segmentOf } from '../../lib/segment/derive';
import type { Namespaces } from '../../lib/namespaces';

/** A session's namespaces as a shared store hands them out: a new object for every read. */
const read = (items: Record<string, Record<string, string>>): Namespaces =>
  JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(items).map(([ns, kv]) => [ns, Object.fromEntries(Object.entries(kv).map(([k, value]) => [k, { value }]))]))));

const BRAZIL = { channel: '1', currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', channelPrivacy: 'public' };

describe('the segment of a session', () => {
  it('should be the same segment for the same data read twice, without encoding it again', () => {
    const first = segmentOf(read({ store: BRAZIL, public: { utm_source: 'newsletter' } }));
    const second = segmentOf(read({ store: BRAZIL, public: { utm_source: 'newsletter' } }));
    expect(second).toBe(first);
  });

  it('should encode every difference in the data, however small', () => {
    const variants: Array<Record<string, Record<string, string>>> = [
      { store: BRAZIL },
      { store: { ...BRAZIL, channel: '2' } },
      { store: BRAZIL, public: { utm_source: 'newsletter' } },
      { store: BRAZIL, public: { utm_source: 'newsletter ' } },
      { store: BRAZIL, public: { utm_campaign: 'newsletter' } },
      { store: BRAZIL, public: { utmi_cp: 'newsletter' } },
      { store: BRAZIL, checkout: { regionId: 'v2.ABC' } },
      { store: BRAZIL, profile: { priceTables: 'vip' } },
      { store: BRAZIL, search: { facets: 'a=b' } },
      { store: { ...BRAZIL, admin_cultureInfo: 'en-US' } },
    ];
    const tokens = variants.map((items) => segmentOf(read(items)).token);
    expect(new Set(tokens).size).toBe(variants.length);
    // Read again, in reverse order, each is still the encoding of its own session's data.
    for (const items of [...variants].reverse()) {
      const namespaces = read(items);
      expect(segmentOf(namespaces).token).toBe(encodeSegment(segmentDataOf(namespaces)));
    }
  });
});
