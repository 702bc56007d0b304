import type { Transform } from '../types';

/** `search.facets` from `public.facets`: facets that change the catalogue a page shows. */
export const searchTransform: Transform = {
  name: 'vtex.session/search',
  input: { public: ['facets'] },
  output: { search: ['facets'] },
  run: (input) => ({ search: { facets: { value: input.public?.facets?.value ?? '' } } }),
};
