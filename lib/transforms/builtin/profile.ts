import type { Item } from '../../namespaces';
import type { Transform } from '../types';

export interface CustomerProfile {
  id?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** The price tables this customer is eligible for; the segment joins them with `,`. */
  priceTables?: string[] | string;
}

/**
 * Finds a customer by id or email; undefined when unknown. `authenticated` is false when the email
 * is only what the visitor wrote into `public.storeUserEmail` (anyone can write any address there):
 * answer then only what may be shown to whoever claims that address.
 */
export type ProfileResolver = (
  user: { id?: string; email?: string },
  context: { authenticated: boolean },
) => CustomerProfile | undefined | Promise<CustomerProfile | undefined>;

const PROFILE_KEYS = ['isAuthenticated', 'id', 'email', 'firstName', 'lastName', 'priceTables'] as const;

const text = (item: Item | undefined): string | undefined =>
  item !== undefined && typeof item.value === 'string' && item.value !== '' ? item.value : undefined;

const tables = (value: CustomerProfile['priceTables']): string => (Array.isArray(value) ? value.join(',') : (value ?? ''));

/**
 * `profile.*`: the logged-in (or impersonated) customer through the `profiles` resolver. An email in
 * `public.storeUserEmail` alone loads nothing unless `anonymousPriceTables` is on; then only the
 * price tables, with `isAuthenticated: "false"`, as VTEX does for B2B stores that price by email
 * before login.
 */
export function profileTransform(profiles: ProfileResolver | undefined, { anonymousPriceTables = false } = {}): Transform {
  return {
    name: 'vtex.session/profile',
    input: {
      authentication: ['storeUserId', 'storeUserEmail'],
      impersonate: ['storeUserEmail'],
      public: ['storeUserEmail'],
    },
    output: { profile: [...PROFILE_KEYS] },
    runOnCreate: true,
    async run(input) {
      const impersonated = text(input.impersonate?.storeUserEmail);
      const userId = text(input.authentication?.storeUserId);
      const userEmail = text(input.authentication?.storeUserEmail);
      const publicEmail = text(input.public?.storeUserEmail);
      const out: Record<string, Item> = {};
      for (const key of PROFILE_KEYS) out[key] = { value: '' };
      // VTEX keeps the flag as a string.
      out.isAuthenticated = { value: 'false' };

      if (impersonated !== undefined || userId !== undefined || userEmail !== undefined) {
        const lookup = impersonated !== undefined ? { email: impersonated } : { id: userId, email: userEmail };
        // An impersonated customer is looked up for an admin the impersonation policy admitted.
        const found = profiles ? await profiles(lookup, { authenticated: true }) : undefined;
        out.isAuthenticated = { value: 'true' };
        out.id = { value: found?.id ?? (impersonated === undefined ? (userId ?? '') : '') };
        out.email = { value: found?.email ?? lookup.email ?? '' };
        out.firstName = { value: found?.firstName ?? '' };
        out.lastName = { value: found?.lastName ?? '' };
        out.priceTables = { value: tables(found?.priceTables) };
      } else if (publicEmail !== undefined && profiles && anonymousPriceTables) {
        const found = await profiles({ email: publicEmail }, { authenticated: false });
        out.priceTables = { value: tables(found?.priceTables) };
      }
      return { profile: out };
    },
  };
}
