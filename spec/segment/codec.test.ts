import { decodeSegment, encodeSegment, segmentCacheKey } from '../../lib';
import { DEFAULT_BRAZIL } from '../support/segments';

// VTEX's default segment of sales channel 1 in Brazil, as VTEX writes it: the token must be byte-identical.
const VTEX_JSON =
  '{"campaigns":null,"channel":"1","priceTables":null,"regionId":null,"utm_campaign":null,"utm_source":null,"utmi_campaign":null,"currencyCode":"BRL","currencySymbol":"R$","countryCode":"BRA","cultureInfo":"pt-BR","channelPrivacy":"public"}';

describe('encodeSegment', () => {
  it('should encode the default Brazilian segment to the token VTEX produces', () => {
    const token = encodeSegment(DEFAULT_BRAZIL);
    expect(token.startsWith('eyJjYW1wYWlnbnMiOm51bGwsImNoYW5uZWwiOiIxIiwicHJpY2VUYWJsZXMiOm51bGws')).toBe(true);
    expect(Buffer.from(token, 'base64').toString('utf8')).toBe(VTEX_JSON);
    expect(token).not.toContain('=');
  });

  it('should put fields in VTEX order whatever order they are given in', () => {
    const reversed = Object.fromEntries(Object.entries(DEFAULT_BRAZIL).reverse());
    expect(encodeSegment(reversed)).toBe(encodeSegment(DEFAULT_BRAZIL));
  });

  it('should write admin_cultureInfo and facets only when set', () => {
    const json = Buffer.from(encodeSegment({ ...DEFAULT_BRAZIL, admin_cultureInfo: 'en-US', facets: 'brand=x' }), 'base64').toString();
    expect(Object.keys(JSON.parse(json))).toEqual([
      'campaigns', 'channel', 'priceTables', 'regionId', 'utm_campaign', 'utm_source', 'utmi_campaign',
      'currencyCode', 'currencySymbol', 'countryCode', 'cultureInfo', 'admin_cultureInfo', 'channelPrivacy', 'facets',
    ]);
    expect(Object.keys(decodeSegment(encodeSegment(DEFAULT_BRAZIL)))).not.toContain('facets');
  });
});

describe('decodeSegment', () => {
  it('should accept padded and unpadded tokens', () => {
    const data = { ...DEFAULT_BRAZIL, priceTables: 'gold' };
    const unpadded = encodeSegment(data);
    const padded = unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
    expect(decodeSegment(unpadded)).toEqual(data);
    expect(decodeSegment(padded)).toEqual(data);
  });

  it.each([
    ['not base64', '!!!'],
    ['not JSON', Buffer.from('hello').toString('base64')],
    ['a JSON array', Buffer.from('[1]').toString('base64')],
    ['a number value', Buffer.from('{"channel":1}').toString('base64')],
    ['longer than 4 KiB', 'A'.repeat(4100)],
  ])('should refuse a token that is %s', (_, token) => {
    expect(() => decodeSegment(token)).toThrow(expect.objectContaining({ code: 'INVALID_SEGMENT_TOKEN', status: 400 }));
  });
});

describe('segmentCacheKey', () => {
  it('should leave UTMs out so that campaign links do not fragment the cache', () => {
    const a = { ...DEFAULT_BRAZIL, utm_source: 'google' };
    const b = { ...DEFAULT_BRAZIL, utm_source: 'facebook', utm_campaign: 'x' };
    expect(segmentCacheKey(a)).toBe(segmentCacheKey(b));
    expect(segmentCacheKey(a, { omit: [] })).not.toBe(segmentCacheKey(b, { omit: [] }));
    expect(segmentCacheKey({ ...DEFAULT_BRAZIL, priceTables: 'gold' })).not.toBe(segmentCacheKey(DEFAULT_BRAZIL));
  });
});
