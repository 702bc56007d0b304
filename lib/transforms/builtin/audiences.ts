import type { Transform } from '../types';

/**
 * A campaign audience (VTEX's "Campaign Audience"): who belongs to a campaign. Conditions are joined
 * by `or` (default) or `and`; an audience without conditions holds everyone inside its window.
 */
export interface Audience {
  id: string;
  /** ISO date-time the audience starts (inclusive). */
  from?: string;
  /** ISO date-time the audience ends (exclusive). */
  to?: string;
  match?: 'or' | 'and';
  utm_source?: string[];
  utm_campaign?: string[];
  postalCodes?: Array<{ country?: string; from: string; to: string }>;
  /** Customer clusters, as the `clusters` resolver names them for the customer's email. */
  clusters?: string[];
}

/** The clusters a customer belongs to, by email. */
export type ClusterResolver = (email: string) => string[] | Promise<string[]>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const canonical = (postalCode: string): string => postalCode.replace(/[\s-]/g, '').toUpperCase();
const lower = (values: string[] | undefined) => values?.map((v) => v.toLowerCase());

/** `rnb.campaigns`: the ids of the audiences the visitor belongs to, joined by `,`. */
export function audiencesTransform(audiences: Audience[], clusters: ClusterResolver | undefined): Transform {
  const compiled = audiences.map((a) => ({
    ...a,
    start: a.from ? Date.parse(a.from) : -Infinity,
    end: a.to ? Date.parse(a.to) : Infinity,
    sources: lower(a.utm_source),
    campaigns: lower(a.utm_campaign),
  }));
  return {
    name: 'vtex.session/rnb',
    input: { public: ['utm_source', 'utm_campaign', 'country', 'postalCode'], profile: ['email'] },
    output: { rnb: ['campaigns'] },
    // An audience without conditions holds every new visitor inside its window.
    runOnCreate: true,
    async run(input, { now }) {
      const source = text(input.public?.utm_source?.value)?.toLowerCase();
      const campaign = text(input.public?.utm_campaign?.value)?.toLowerCase();
      const country = text(input.public?.country?.value)?.toUpperCase();
      const postalCode = text(input.public?.postalCode?.value);
      const email = text(input.profile?.email?.value);
      const customerClusters = email && clusters ? await clusters(email) : [];

      const matching: string[] = [];
      for (const audience of compiled) {
        if (now < audience.start || now >= audience.end) continue;
        const results: boolean[] = [];
        if (audience.sources) results.push(source !== undefined && audience.sources.includes(source));
        if (audience.campaigns) results.push(campaign !== undefined && audience.campaigns.includes(campaign));
        if (audience.postalCodes) {
          const code = postalCode === undefined ? undefined : canonical(postalCode);
          results.push(
            code !== undefined &&
              audience.postalCodes.some(
                (r) =>
                  (!r.country || r.country.toUpperCase() === country) &&
                  code.length === canonical(r.from).length &&
                  code >= canonical(r.from) &&
                  code <= canonical(r.to),
              ),
          );
        }
        if (audience.clusters) results.push(audience.clusters.some((c) => customerClusters.includes(c)));
        const member = results.length === 0 || (audience.match === 'and' ? results.every(Boolean) : results.some(Boolean));
        if (member) matching.push(audience.id);
      }
      return { rnb: { campaigns: { value: matching.join(',') } } };
    },
  };
}
