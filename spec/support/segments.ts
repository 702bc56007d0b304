import type { SegmentData } from '../../lib';

/** VTEX's default segment of sales channel 1 in Brazil: a new visitor's segment without options. */
export const DEFAULT_BRAZIL: SegmentData = {
  campaigns: null,
  channel: '1',
  priceTables: null,
  regionId: null,
  utm_campaign: null,
  utm_source: null,
  utmi_campaign: null,
  currencyCode: 'BRL',
  currencySymbol: 'R$',
  countryCode: 'BRA',
  cultureInfo: 'pt-BR',
  channelPrivacy: 'public',
};
