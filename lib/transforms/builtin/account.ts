import type { Transform } from '../types';

/** `account.id` (keepAlive, as at VTEX) and `account.accountName`, from the options, at creation. */
export function accountTransform(account: { name: string; id: string }): Transform {
  return {
    name: 'vtex.session/account',
    input: {},
    output: { account: ['id', 'accountName'] },
    runOnCreate: true,
    run: () => ({
      account: { id: { value: account.id, keepAlive: true }, accountName: { value: account.name } },
    }),
  };
}
