import { ControllableStore, memoryLogger, SECRET } from '../support/app';
import { sessionMiddleware, type SessionOptions } from '../../lib';

const CHANNEL = { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR' };

/** Creates the middleware with a valid secret and the given options. */
const create = (options: Record<string, unknown>) => () => sessionMiddleware({ secret: SECRET, logger: memoryLogger(), ...options } as SessionOptions);

describe('options', () => {
  describe('when an option is invalid', () => {
    // [what is wrong, the options, what the message must say: the option's name and its value]
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['an unknown option', { maxage: 1000 }, /^option maxage is not a known option/],
      ['an unknown cookie option', { cookie: { httpOnly: false } }, /^option cookie\.httpOnly is not a known option/],
      ['cookie.sameSite not lax, strict or none', { cookie: { sameSite: 'relaxed' } }, /^option cookie\.sameSite is invalid: "relaxed" \(one of "lax", "strict", "none"\)$/],
      ['cookie.secure not auto or a boolean', { cookie: { secure: 'yes' } }, /^option cookie\.secure is invalid: "yes" \(one of "auto", true, false\)$/],
      ['cookie.sameSite none with secure false (browsers drop it)', { cookie: { sameSite: 'none', secure: false } }, /^option cookie\.sameSite is invalid: "none"/],
      ['a cookie name with a space', { cookie: { sessionName: 'vtex session' } }, /^option cookie\.sessionName is invalid: "vtex session"/],
      ['cookie.path not starting with /', { cookie: { path: 'shop' } }, /^option cookie\.path is invalid: "shop"/],
      ['apiPrefix not a path', { apiPrefix: 'api' }, /^option apiPrefix is invalid: "api" \(a path such as "\/api", a non-empty list of paths, or false\)$/],
      ['apiPrefix true', { apiPrefix: true }, /^option apiPrefix is invalid: true \(a path/],
      ['one apiPrefix of a list with a route pattern', { apiPrefix: ['/api', '/:locale/api'] }, /^option apiPrefix\.1 is invalid: "\/:locale\/api" \(must match pattern/],
      ['a channel without currencyCode', { channels: { '1': { currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR' } } }, /^option channels\.1 is invalid: .*currencyCode/],
      ['no channel at all', { channels: {} }, /^option channels is invalid: \{\}/],
      ['defaultChannel not among the channels', { channels: { '1': CHANNEL }, defaultChannel: '2' }, /^option defaultChannel is invalid: "2"/],
      ['a private defaultChannel', { channels: { b2b: { ...CHANNEL, privacy: 'private' } } }, /^option defaultChannel is invalid: "b2b"/],
      ['idleTimeout greater than maxAge', { maxAge: 60_000, idleTimeout: 120_000 }, /^option idleTimeout is invalid: 120000/],
      ['maxAge zero', { maxAge: 0 }, /^option maxAge is invalid: 0/],
      ['maxAge not an integer', { maxAge: 1.5 }, /^option maxAge is invalid: 1\.5/],
      ['maxAge as a string', { maxAge: '5d' }, /^option maxAge is invalid: "5d"/],
      ['onStoreError not degrade or fail', { onStoreError: 'ignore' }, /^option onStoreError is invalid: "ignore" \(one of "degrade", "fail"\)$/],
      ['a store without touch', { store: { get() {}, set() {}, delete() {} } }, /^option store is invalid: \{\} \(a store with get, set, delete and touch methods\)$/],
      ['a logger without error', { logger: { warn() {} } }, /^option logger is invalid: \{\} \(an object with warn and error methods\)$/],
      ['limits.bodySize negative', { limits: { bodySize: -1 } }, /^option limits\.bodySize is invalid: -1/],
      ['captureQuery not a list', { captureQuery: 'utm_source' }, /^option captureQuery is invalid: "utm_source"/],
      ['a transform without run', { transforms: [{ name: 'x', input: {}, output: {} }] }, /^option transforms\.0 is invalid: \{"name":"x".* \(a transform with a name, input, output and run\)$/],
      ['authenticate not a function', { authenticate: 'cookie' }, /^option authenticate is invalid: "cookie" \(a function\)$/],
      ['regions neither a table nor a function', { regions: 5 }, /^option regions is invalid: 5 \(a table of postal-code ranges or a function\)$/],
      ['account.name with a space', { account: { name: 'my store' } }, /^option account\.name is invalid: "my store"/],
      ['allowedOrigins not a list', { allowedOrigins: 'https://www.shop.com' }, /^option allowedOrigins is invalid: "https:\/\/www\.shop\.com"/],
      ['an allowed origin without a scheme', { allowedOrigins: ['www.shop.com'] }, /^option allowedOrigins\.0 is invalid: "www\.shop\.com" \(a full origin such as "https:\/\/www\.shop\.com"/],
      ['an allowed origin with a path', { allowedOrigins: ['https://www.shop.com/'] }, /^option allowedOrigins\.0 is invalid: "https:\/\/www\.shop\.com\/" \(a full origin/],
      ['an allowed origin with a wildcard', { allowedOrigins: ['https://*.shop.com'] }, /^option allowedOrigins\.0 is invalid: "https:\/\/\*\.shop\.com"/],
      ['an allowed origin of another scheme', { allowedOrigins: ['ftp://shop.com'] }, /^option allowedOrigins\.0 is invalid: "ftp:\/\/shop\.com"/],
      ['anonymousPriceTables not a boolean', { anonymousPriceTables: 'yes' }, /^option anonymousPriceTables is invalid: "yes"/],
    ];

    it.each(cases)('should throw a TypeError naming the option and the value for %s', (_, options, message) => {
      expect(create(options)).toThrow(TypeError);
      expect(create(options)).toThrow(message);
    });

    it('should throw for options that are not an object', () => {
      expect(() => sessionMiddleware('secret' as unknown as SessionOptions)).toThrow(TypeError);
    });
  });

  describe('when an option is unknown', () => {
    // [what was written, the options, the whole message]
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a top-level option inside cookie', { cookie: { maxAge: 1000 } }, 'option cookie.maxAge is not a known option (did you mean maxAge?)'],
      ['a top-level option in the wrong case', { maxage: 1000 }, 'option maxage is not a known option (did you mean maxAge?)'],
      ['a cookie option misspelt', { cookie: { samesite: 'lax' } }, 'option cookie.samesite is not a known option (did you mean cookie.sameSite?)'],
      ['a plural for a singular', { secrets: [SECRET] }, 'option secrets is not a known option (did you mean secret?)'],
      ['a limit misspelt', { limits: { bodysize: 1 } }, 'option limits.bodysize is not a known option (did you mean limits.bodySize?)'],
      ['a channel field misspelt', { channels: { '1': { ...CHANNEL, curencyCode: 'BRL' } } }, 'option channels.1.curencyCode is not a known option (did you mean channels.1.currencyCode?)'],
      ['a name like no option', { cookie: { httpOnly: false } }, 'option cookie.httpOnly is not a known option'],
    ];

    it.each(cases)('should suggest the nearest known option for %s', (_, options, message) => {
      expect(create(options)).toThrow(new TypeError(message));
    });
  });

  describe('when every option is valid', () => {
    it('should create the middleware', () => {
      expect(
        create({
          account: { name: 'mystore', id: 'a6f9c2d0-0000-4000-8000-000000000001' },
          channels: { '1': CHANNEL, '2': { ...CHANNEL, currencyCode: 'USD', currencySymbol: '$', privacy: 'private', supportedLocales: ['en-US'] } },
          defaultChannel: '1',
          store: new ControllableStore(),
          maxAge: 60_000,
          idleTimeout: 60_000,
          cookie: { secure: true, sameSite: 'none', domain: '.example.com', path: '/', sessionName: 'sid', segmentName: 'seg' },
          apiPrefix: ['/api', '/en/api'],
          captureQuery: ['utm_source'],
          onStoreError: 'fail',
          storeTimeout: 500,
          limits: { bodySize: 1024, keysPerWrite: 8, valueSize: 256, items: 10 },
          allowedOrigins: ['https://blog.example.com', 'http://localhost:8080', 'http://[::1]:3000'],
          anonymousPriceTables: true,
        }),
      ).not.toThrow();
    });
  });
});
