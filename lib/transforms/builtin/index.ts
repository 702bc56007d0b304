import type { NormalizedOptions } from '../../options';
import type { Transform } from '../types';
import { accountTransform } from './account';
import { audiencesTransform } from './audiences';
import { authenticationTransform, impersonateTransform } from './authentication';
import { checkoutTransform } from './checkout';
import { profileTransform } from './profile';
import { regionsFromTable, regionTransform } from './region';
import { searchTransform } from './search';
import { storeTransform } from './store';

/** The built-in transforms configured from the options, followed by the application's own. */
export function transformsFor(options: NormalizedOptions): Transform[] {
  const regions = typeof options.regions === 'function' ? options.regions : regionsFromTable(options.regions ?? {});
  const builtIn: Transform[] = [
    accountTransform(options.account),
    storeTransform(options.channels, options.defaultChannel),
    impersonateTransform(options.impersonation, options.profiles),
    profileTransform(options.profiles, { anonymousPriceTables: options.anonymousPriceTables }),
    regionTransform(regions),
    audiencesTransform(options.audiences, options.clusters),
    searchTransform,
    checkoutTransform,
  ];
  if (options.authenticate) builtIn.push(authenticationTransform(options.authenticate));
  return [...builtIn, ...options.customTransforms];
}
