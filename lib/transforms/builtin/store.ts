import { TransformRefusedError } from '../../errors';
import { getValue, itemName, type Item, type Namespaces } from '../../namespaces';
import type { Transform } from '../types';

/** A sales channel as the session uses it, defaults applied: its commercial context and who may use it. */
export interface Channel {
  id: string;
  currencyCode: string;
  currencySymbol: string;
  countryCode: string;
  cultureInfo: string;
  privacy: 'public' | 'private';
  /** Locales `public.cultureInfo` / `public.locale` may select. */
  supportedLocales: string[];
  admin_cultureInfo?: string;
  /** Whether a visitor of this profile may use the channel when it is private. */
  allow: (profile: Readonly<Record<string, unknown>>) => boolean;
}

const STORE_KEYS = ['channel', 'countryCode', 'cultureInfo', 'currencyCode', 'currencySymbol', 'channelPrivacy', 'admin_cultureInfo'];

/** The `store` items of a session on `channel`: how a sales channel becomes the segment's commercial fields. */
export function channelStoreItems(channel: Channel, cultureInfo = channel.cultureInfo): Record<string, Item> {
  return {
    channel: { value: channel.id },
    countryCode: { value: channel.countryCode },
    cultureInfo: { value: cultureInfo },
    currencyCode: { value: channel.currencyCode },
    currencySymbol: { value: channel.currencySymbol },
    channelPrivacy: { value: channel.privacy },
    admin_cultureInfo: { value: channel.admin_cultureInfo ?? '' },
  };
}

const asText = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The `store` namespace: the sales channel (`public.sc`) and its commercial context, and the
 * culture (`public.cultureInfo` or `public.locale`) when the channel supports it.
 *
 * A private channel the visitor may not use is refused when the visitor asks for it (401 when
 * anonymous, 403 when logged in) and the write changes nothing. When the visitor loses access
 * later (a logout), the session falls back to the default channel instead: refusing would make the
 * logout itself fail.
 */
export function storeTransform(channels: ReadonlyMap<string, Channel>, fallback: Channel): Transform {
  return {
    name: 'vtex.session/store',
    input: { public: ['sc', 'cultureInfo', 'locale'], profile: ['isAuthenticated', 'priceTables', 'email', 'id'] },
    output: { store: STORE_KEYS },
    runOnCreate: true,
    run(input, { changed }) {
      const profile = (input.profile ?? {}) as Namespaces[string];
      const profileValues: Record<string, unknown> = {};
      for (const key of Object.keys(profile)) profileValues[key] = profile[key].value;

      let channel = fallback;
      const asked = asText(getValue(input, 'public', 'sc'));
      const candidate = asked === undefined ? undefined : channels.get(asked);
      if (candidate !== undefined) {
        if (candidate.privacy === 'public' || candidate.allow(profileValues)) {
          channel = candidate;
        } else if (changed.has(itemName('public', 'sc'))) {
          const authenticated = profileValues.isAuthenticated === 'true';
          throw new TransformRefusedError(
            authenticated
              ? `sales channel ${candidate.id} is private and this customer may not use it`
              : `sales channel ${candidate.id} is private: log in to use it`,
            authenticated ? 403 : 401,
          );
        }
      }

      // The first of the two the channel supports; an unsupported one never reaches the segment.
      const locales = [asText(getValue(input, 'public', 'cultureInfo')), asText(getValue(input, 'public', 'locale'))];
      const cultureInfo = locales.find((l) => l !== undefined && channel.supportedLocales.includes(l)) ?? channel.cultureInfo;
      return { store: channelStoreItems(channel, cultureInfo) };
    },
  };
}
