import type { Transform } from '../types';

/** Postal-code ranges per country (`BRA`, `USA`, ...), each served by some sellers. */
export type RegionTable = Record<string, Array<{ from: string; to: string; sellers: string[] }>>;

export interface RegionQuery {
  country?: string;
  postalCode?: string;
  geoCoordinates?: string;
}

/** Maps a location to a region id; null when the location says nothing. */
export type RegionResolver = (query: RegionQuery) => string | null | undefined | Promise<string | null | undefined>;

/** A region v1 id: base64 of `SW#` and the seller ids joined by `;` (`U1cj` when no seller serves). */
export function regionIdOf(sellers: readonly string[]): string {
  return Buffer.from(`SW#${sellers.join(';')}`, 'utf8').toString('base64');
}

// Postal codes compare as written once spaces and dashes are gone (`01310-100` = `01310100`).
const canonical = (postalCode: string): string => postalCode.replace(/[\s-]/g, '').toUpperCase();

/** The default resolver: the sellers whose ranges hold the postal code, in table order. */
export function regionsFromTable(table: RegionTable): RegionResolver {
  // Clients send `bra` as often as `BRA`; the table may be written either way too.
  const byCountry = new Map<string, RegionTable[string]>();
  for (const [country, ranges] of Object.entries(table)) {
    byCountry.set(country.toUpperCase(), [...(byCountry.get(country.toUpperCase()) ?? []), ...ranges]);
  }
  return ({ country, postalCode }) => {
    if (!country || !postalCode) return null;
    const code = canonical(postalCode);
    const sellers: string[] = [];
    for (const range of byCountry.get(country.toUpperCase()) ?? []) {
      const from = canonical(range.from);
      const to = canonical(range.to);
      // Ranges compare codes of the same length, so `9` never falls between `10000` and `20000`.
      if (code.length === from.length && code >= from && code <= to) {
        for (const seller of range.sellers) if (!sellers.includes(seller)) sellers.push(seller);
      }
    }
    return regionIdOf(sellers);
  };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `checkout.regionId`: `public.regionId` when set, else the location through the resolver. */
export function regionTransform(resolve: RegionResolver): Transform {
  return {
    name: 'vtex.session/checkout',
    input: { public: ['regionId', 'country', 'postalCode', 'geoCoordinates'] },
    output: { checkout: ['regionId'] },
    async run(input) {
      const explicit = text(input.public?.regionId?.value);
      if (explicit !== undefined) return { checkout: { regionId: { value: explicit } } };
      const country = text(input.public?.country?.value);
      const postalCode = text(input.public?.postalCode?.value);
      const geoCoordinates = text(input.public?.geoCoordinates?.value) ?? geoText(input.public?.geoCoordinates?.value);
      const regionId = postalCode || geoCoordinates ? await resolve({ country, postalCode, geoCoordinates }) : null;
      return { checkout: { regionId: { value: regionId ?? '' } } };
    },
  };
}

// VTEX clients send coordinates as `[lng, lat]` or as a string.
function geoText(value: unknown): string | undefined {
  return Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number') ? value.join(',') : undefined;
}
