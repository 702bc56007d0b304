import { existsSync, mkdirSync } from 'node:fs';
import type { Express } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { decodeSegment, decodeSessionToken, type SegmentData } from '../../lib';
import { createApp, type DemoOptions } from '../../demo-store/app';
import { memoryLogger, SECRET } from '../support/app';

/** Where the tests write what a person should look at (screenshots); ignored by git. */
export const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');

// Debian's Chromium, quiet: no network of its own, no first-run screens, no sandbox (containers).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The Chromium to drive. In CI a missing Chromium fails the suite (CI must run every test);
 * elsewhere the browser tests are skipped with the reason printed.
 */
export function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(path)) return path;
  if (process.env.CI) throw new Error(`no Chromium at ${path}: CI must run the browser tests (.ci/run installs chromium)`);
  console.warn(`Skipping the browser tests: no Chromium at ${path} (install chromium or set CHROMIUM_PATH).`);
  return undefined;
}

/** `describe` when a Chromium is there, `describe.skip` (with the reason printed) when not. */
export const describeInBrowser: jest.Describe = chromiumPath() === undefined ? describe.skip : describe;

export interface Storefront {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts the demo store on a random port of 127.0.0.1 and a headless Chromium to visit it. */
export function openStorefront(options: DemoOptions = {}): Promise<Storefront> {
  return openInBrowser(createApp({ secret: SECRET, logger: memoryLogger(), ...options }));
}

/** Starts any Express application on a random port of 127.0.0.1 and a headless Chromium to visit it. */
export async function openInBrowser(app: Express): Promise<Storefront> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s)).on('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close();
      // The browser's keep-alive connections would otherwise hold the server open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A new browser context (no cookies) with a page whose waits fail fast; a phone's width when asked. */
export async function newVisitor(store: Storefront, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await store.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  return { context, page };
}

/**
 * Runs `action` and waits until the page it causes has loaded (a reload included, whose URL does
 * not change); answers that page's response (after any redirect).
 */
export async function navigation(page: Page, action: () => Promise<unknown>): Promise<Response> {
  const response = page.waitForResponse((r) => r.request().isNavigationRequest() && r.status() < 300);
  const loaded = page.waitForEvent('load');
  await action();
  const [res] = await Promise.all([response, loaded]);
  return res;
}

export async function cookieOf(context: BrowserContext, name: string) {
  return (await context.cookies()).find((c) => c.name === name);
}

/** The segment the browser holds (decoded from its `vtex_segment` cookie). */
export async function segmentOf(context: BrowserContext): Promise<SegmentData | undefined> {
  const cookie = await cookieOf(context, 'vtex_segment');
  return cookie && decodeSegment(cookie.value);
}

/** The session id in the browser's `vtex_session` token. */
export async function sessionIdOf(context: BrowserContext): Promise<string | undefined> {
  const cookie = await cookieOf(context, 'vtex_session');
  return cookie && decodeSessionToken(cookie.value)?.id;
}

/** The price each product card shows, by sku: what the visitor sees. */
export function pricesOn(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#products .card', (cards) =>
    Object.fromEntries(cards.map((c) => [c.getAttribute('data-sku'), c.querySelector('.price')?.getAttribute('data-price')])),
  );
}

/** The visible text of a card's price, with the non-breaking space of pt-BR currency formats made plain. */
export async function priceTextOf(page: Page, sku: string): Promise<string> {
  const text = await page.textContent(`#products .card[data-sku="${sku}"] .price`);
  return (text ?? '').replace(/\s/g, ' ');
}

export function outputPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, name);
}
