'use strict';
// The store's commercial setup as vtex-session options: sales channels, the sellers that serve
// each postal-code range, campaign audiences, and the demo customers behind the `profiles`,
// `clusters` and `impersonation` resolvers. A real store would ask its customer database and its
// identity provider here; the demo keeps them in memory.

const users = [
  {
    id: 'c-ana',
    email: 'ana@example.com',
    firstName: 'Ana',
    lastName: 'Souza',
    role: 'customer',
    about: 'A retail customer in the VIP club: VIP campaign prices.',
    clusters: ['vip'],
  },
  {
    id: 'c-bruno',
    email: 'bruno@b2b.example.com',
    firstName: 'Bruno',
    lastName: 'Lima',
    role: 'b2b',
    about: 'A B2B buyer on the gold price table, shopping in the private B2B channel.',
    priceTables: ['gold'],
  },
  {
    id: 'c-carla',
    email: 'carla@b2b.example.com',
    firstName: 'Carla',
    lastName: 'Dias',
    role: 'b2b',
    about: 'A B2B buyer on the silver price table.',
    priceTables: ['silver'],
  },
  {
    id: 'a-dora',
    email: 'admin@example.com',
    firstName: 'Dora',
    lastName: 'Admin',
    role: 'admin',
    about: 'A store admin who may impersonate customers (from the session page).',
  },
];

const userByEmail = (email) => users.find((u) => typeof email === 'string' && u.email === email.toLowerCase());
const isB2B = (email) => userByEmail(email)?.role === 'b2b';

const RETAIL = { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR' };

/** The options the demo gives to sessionMiddleware (the secret and the store come from server.js). */
function sessionOptions() {
  return {
    account: { name: 'democoffee' },
    channels: {
      '1': { ...RETAIL, privacy: 'public' },
      // Asking for a private channel without access is refused (401/403) by the store transform.
      '2': { ...RETAIL, privacy: 'private', allow: (profile) => isB2B(profile.email) },
    },
    regions: {
      BRA: [
        { from: '01000-000', to: '09999-999', sellers: ['padaria-sp'] },
        { from: '20000-000', to: '28999-999', sellers: ['rio-cafe'] },
      ],
    },
    audiences: [
      { id: 'blackfriday', utm_campaign: ['blackfriday'] },
      { id: 'vip', clusters: ['vip'] },
    ],
    // Price tables only for a customer who logged in (or whom an admin impersonates): an e-mail
    // address alone is what anyone can type. The package does not even ask for one by default
    // (`anonymousPriceTables` is off); the check here is the application's own rule.
    profiles: ({ id, email }, { authenticated }) => {
      const user = users.find((u) => u.role !== 'admin' && (u.id === id || u.email === email));
      const priceTables = authenticated ? user?.priceTables : undefined;
      return user && { id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName, priceTables };
    },
    clusters: (email) => userByEmail(email)?.clusters ?? [],
    impersonation: ({ adminUserEmail }) => userByEmail(adminUserEmail)?.role === 'admin',
  };
}

const SIGNED_OUT = {
  authentication: {
    storeUserId: { value: '' },
    storeUserEmail: { value: '' },
    adminUserId: { value: '' },
    adminUserEmail: { value: '' },
  },
  public: { sc: { value: '' }, 'vtex-impersonated-customer-email': { value: '' } },
};

/**
 * Logs a user in with one server-side write. The change of identity gives the session a new id (no
 * session fixation). A B2B buyer asks for the private channel in the same write: the transforms
 * load the profile first, and the store transform admits the channel once it knows the buyer.
 */
async function logIn(session, user) {
  const identity =
    user.role === 'admin'
      ? { adminUserId: { value: user.id }, adminUserEmail: { value: user.email } }
      : { storeUserId: { value: user.id }, storeUserEmail: { value: user.email } };
  await session.patch({
    authentication: { ...SIGNED_OUT.authentication, ...identity },
    public: { ...SIGNED_OUT.public, sc: { value: user.role === 'b2b' ? '2' : '' } },
  });
}

/** Clears the identity, the private channel and any impersonation: the visitor is retail again. */
async function logOut(session) {
  await session.patch(SIGNED_OUT);
}

module.exports = { users, userByEmail, sessionOptions, logIn, logOut };
