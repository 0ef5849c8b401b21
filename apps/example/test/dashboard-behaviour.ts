/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { API_KEY } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[example] dashboard tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`,
  );
}

/** The dashboard, driven in Debian's headless Chromium. */
export function dashboardBehaviour(getApp: () => App): void {
  describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
    let browser: Browser;
    let base: string;
    beforeAll(async () => {
      const app = getApp();
      await app.server.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('shows live health, L1 size, circuit and bus state and draws the charts', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      for (let i = 1; i <= 20; i++) await fetch(`${base}/api/users/${i}`);
      await page.goto(`${base}/#key=${API_KEY}`);
      // The key leaves the address bar once it is stored.
      expect(page.url()).toBe(`${base}/`);
      await page.waitForFunction(() =>
        /^\d+$/.test(document.getElementById('health-score')?.textContent ?? ''),
      );
      const res = await fetch(`${base}/cache/status`, { headers: { 'x-api-key': API_KEY } });
      const status = (await res.json()) as { l1: { entries: number } };
      await expect
        .poll(() => page.textContent('[data-testid=l1-entries]'))
        .toBe(status.l1.entries.toLocaleString('en-US'));
      expect(await page.textContent('[data-testid=circuit]')).toBe('closed');
      expect(await page.textContent('[data-testid=bus]')).toBe('none');

      // Traffic after the page opened shows up in the charts without a reload.
      for (let i = 1; i <= 20; i++) await fetch(`${base}/api/products/${i}`);
      await page.waitForFunction(() => {
        const line = document.querySelector('#chart-tiers polyline[data-series="l1"]');
        return line !== null && (line.getAttribute('points') ?? '').split(' ').length >= 2;
      });
      await page.waitForFunction(() => document.querySelectorAll('#chart-ns polyline').length >= 2);
      expect(await page.locator('#chart-latency polyline').count()).toBe(3);
      const before = await page.textContent('[data-testid=updated]');
      await page.waitForFunction(
        (text) => document.querySelector('[data-testid=updated]')?.textContent !== text,
        before,
      );
      // A time axis under every chart: clock labels, oldest left, newest right.
      await page.waitForFunction(
        () => document.querySelectorAll('#chart-tiers text.x').length >= 2,
      );
      const labels = await page.locator('#chart-latency text.x').allTextContents();
      expect(labels.length).toBeGreaterThanOrEqual(2);
      for (const label of labels) expect(label).toMatch(/^\d\d:\d\d:\d\d$/);
      expect(labels[0]! <= labels.at(-1)!).toBe(true);
      // A favicon, inline (no request) and at /favicon.ico for other clients.
      expect(await page.getAttribute('link[rel=icon]', 'href')).toMatch(/^data:image\/svg\+xml,/);
      const icon = await fetch(`${base}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toContain('image/svg+xml');
      // The consistency check answers as a table, not raw JSON.
      await page.click('#btn-consistency');
      await page.waitForSelector('[data-testid=consistency] table');
      const summary = await page
        .locator('[data-testid=consistency] table tr')
        .nth(1)
        .allTextContents();
      expect(summary[0]).toMatch(/^\d+\d+0\d+\d+ ms$/);
      expect(await page.textContent('[data-testid=action-out]')).toBe('');
      if (process.env.DASHBOARD_SCREENSHOT) {
        await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });
      }
      // Self-contained: every request the page made went to the app itself.
      expect(requests.every((u) => u.startsWith(base))).toBe(true);
      await page.close();
    });

    it('asks for the key again when the key is refused', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/#key=not-the-key`);
      await page.waitForSelector('#login:not([hidden])');
      expect(await page.textContent('#login-error')).toContain('refused');
      expect(await page.isHidden('#dash')).toBe(true);
      await page.close();
    });
  });
}
