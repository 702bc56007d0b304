import type { Item } from '../../namespaces';
import type { Transform } from '../types';
import type { ProfileResolver } from './profile';

export interface AuthenticatedUser {
  storeUserId?: string;
  storeUserEmail?: string;
  adminUserId?: string;
  adminUserEmail?: string;
}

/** Maps the captured cookies (the `cookie` namespace) to the visitor's identity, or undefined when anonymous. */
export type Authenticator = (cookies: Record<string, string>) => AuthenticatedUser | undefined | Promise<AuthenticatedUser | undefined>;

/** Whether an admin may impersonate customers. */
export type ImpersonationPolicy = (admin: { adminUserId?: string; adminUserEmail?: string }) => boolean | Promise<boolean>;

const AUTH_KEYS = ['storeUserId', 'storeUserEmail', 'adminUserId', 'adminUserEmail'] as const;

/** `authentication.*` from the captured cookies, through the application's `authenticate` resolver. */
export function authenticationTransform(authenticate: Authenticator): Transform {
  return {
    name: 'vtex.session/authentication',
    input: { cookie: ['*'] },
    output: { authentication: [...AUTH_KEYS] },
    async run(input) {
      const cookies: Record<string, string> = {};
      for (const [name, item] of Object.entries(input.cookie ?? {})) if (typeof item.value === 'string') cookies[name] = item.value;
      const user = (await authenticate(cookies)) ?? {};
      const authentication: Record<string, Item> = {};
      for (const key of AUTH_KEYS) authentication[key] = { value: typeof user[key] === 'string' ? user[key]! : '' };
      return { authentication };
    },
  };
}

const IMPERSONATED = 'vtex-impersonated-customer-email';

/**
 * `impersonate.*`: an admin whom the policy allows, with `vtex-impersonated-customer-email` set in
 * `public` or as a cookie, browses as that customer (the profile transform reads the result). The
 * customer's id comes from the `profiles` resolver, as VTEX fills `impersonate.storeUserId`.
 */
export function impersonateTransform(policy: ImpersonationPolicy | undefined, profiles?: ProfileResolver): Transform {
  return {
    name: 'vtex.session/impersonate',
    input: { authentication: ['adminUserId', 'adminUserEmail'], public: [IMPERSONATED], cookie: [IMPERSONATED] },
    output: { impersonate: ['canImpersonate', 'storeUserId', 'storeUserEmail'] },
    runOnCreate: true,
    async run(input) {
      const adminUserId = input.authentication?.adminUserId?.value;
      const adminUserEmail = input.authentication?.adminUserEmail?.value;
      const isAdmin = (typeof adminUserId === 'string' && adminUserId !== '') || (typeof adminUserEmail === 'string' && adminUserEmail !== '');
      const allowed =
        isAdmin && policy !== undefined
          ? (await policy({ adminUserId: adminUserId as string | undefined, adminUserEmail: adminUserEmail as string | undefined })) === true
          : false;
      const target = input.public?.[IMPERSONATED]?.value || input.cookie?.[IMPERSONATED]?.value;
      const email = allowed && typeof target === 'string' ? target : '';
      const customer = email !== '' && profiles ? await profiles({ email }, { authenticated: true }) : undefined;
      return {
        impersonate: {
          // VTEX keeps this flag as a string.
          canImpersonate: { value: allowed ? 'true' : 'false' },
          storeUserId: { value: customer?.id ?? '' },
          storeUserEmail: { value: email },
        },
      };
    },
  };
}
