import type { Transform } from '../types';
import { accountTransform } from './account';
import { audiencesTransform, type Audience, type ClusterResolver } from './audiences';
import { authenticationTransform, impersonateTransform, type Authenticator, type ImpersonationPolicy } from './authentication';
import { checkoutTransform } from './checkout';
import { profileTransform, type ProfileResolver } from './profile';
import { regionsFromTable, regionTransform, type RegionResolver, type RegionTable } from './region';
import { searchTransform } from './search';
import { storeTransform, type Channel } from './store';

/** What the built-in transforms are configured from: the normalised options satisfy it. */
export interface BuiltInSettings {
  account: { name: string; id: string };
  channels: ReadonlyMap<string, Channel>;
  defaultChannel: Channel;
  authenticate?: Authenticator;
  impersonation?: ImpersonationPolicy;
  profiles?: ProfileResolver;
  anonymousPriceTables: boolean;
  regions?: RegionTable | RegionResolver;
  audiences: Audience[];
  clusters?: ClusterResolver;
  customTransforms: readonly Transform[];
}

/** The built-in transforms configured from the options, followed by the application's own. */
export function transformsFor(options: BuiltInSettings): Transform[] {
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
