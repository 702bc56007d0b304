import type { Transform } from '../types';

/** VTEX's checkout cookie: `checkout.vtex.com=__ofid=<orderFormId>`, set by the checkout for the visitor's cart. */
export const CHECKOUT_COOKIE = 'checkout.vtex.com';

// An orderFormId is 32 hexadecimal digits at VTEX; other checkouts use UUIDs or short ids.
const ORDER_FORM = /^__ofid=([A-Za-z0-9_-]{1,64})$/;

/** The order form a checkout cookie names, or undefined when it names none. */
export function orderFormIdOf(cookie: unknown): string | undefined {
  if (typeof cookie !== 'string') return undefined;
  return ORDER_FORM.exec(cookie.trim())?.[1];
}

/**
 * `checkout.orderFormId` and `checkout.cartId` from the captured checkout cookie, as VTEX fills
 * them: a storefront's cart survives into the session, and a cookie that goes away clears both.
 */
export const checkoutTransform: Transform = {
  name: 'vtex.session/checkout',
  input: { cookie: [CHECKOUT_COOKIE] },
  output: { checkout: ['orderFormId', 'cartId'] },
  run(input) {
    const id = orderFormIdOf(input.cookie?.[CHECKOUT_COOKIE]?.value) ?? '';
    return { checkout: { orderFormId: { value: id }, cartId: { value: id } } };
  },
};
