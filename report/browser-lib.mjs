// Shared pieces of ldnsim's headless-browser tests (check-html.mjs, check-explorer.mjs):
// launching Debian's Chromium through playwright-core with a fresh profile and no network,
// watching a page for console errors, page errors and outside requests, reading what each
// chart-N drew, and counting checks into the closing "N passed, N failed" line.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DEFAULT_CHROMIUM = process.env.LDNSIM_CHROMIUM || '/usr/bin/chromium';

// Counts checks; prints failures and the closing line; exit status 1 on any failure.
export class Checks {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failures = [];
  }
  check(ok, what) {
    if (ok) this.passed++;
    else this.failures.push(what);
    return ok;
  }
  fail(what) {
    this.failures.push(what);
  }
  finish(problems = []) {
    const all = [...this.failures, ...new Set(problems)];
    for (const p of all) console.error(`FAIL ${p}`);
    console.log(`${this.passed} passed, ${all.length} failed`);
    return all.length > 0 ? 1 : 0;
  }
}

export function die(name, message) {
  console.error(`${name}: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// A persistent context in a fresh profile directory, removed by close().
export async function launch({ executablePath = DEFAULT_CHROMIUM, timeout = 60000, viewport } = {}) {
  if (!fs.existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath}: install it with 'apt-get install -y chromium chromium-driver' ` +
                    '(or point --chromium / LDNSIM_CHROMIUM at another Chromium)');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldnsim-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: viewport ?? { width: 1200, height: 900 },
      timeout,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Collects console errors and warnings, uncaught page errors, failed requests, and requests
// to anything but file:, data:, blob:, about: and the given origins (e.g. the explorer's
// own http://127.0.0.1:PORT). `problems.ignore(regex)` lets a test expect a message.
export function watch(page, origins = []) {
  const problems = [];
  const ignored = [];
  const allowed = (url) => /^(file|data|blob|about):/.test(url) || origins.some((o) => url.startsWith(o + '/'));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = `console ${m.type()}: ${m.text()}`;
    if (!ignored.some((r) => r.test(text))) problems.push(text);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!allowed(r.url())) problems.push(`outside request: ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '';
    if (/ERR_ABORTED/.test(error)) return; // a request the page cancelled itself
    problems.push(`request failed: ${r.url()} (${error})`);
  });
  problems.ignore = (regex) => ignored.push(regex);
  return problems;
}

// What every chart-N element of the page drew, read from the Vega views the page exposes
// (window.ldnsimReport.views) and from the DOM:
//   {id, rendered, error, svg, canvas, size: [w, h], marks: {line: 2, symbol: 480, ...},
//    datasets: {source_0: 480, ...}}
// Marks are counted in the Vega scenegraph (so SVG and canvas alike), without group,
// axis, legend and title marks.
export async function inspectCharts(page) {
  return page.evaluate(() => {
    const views = (window.ldnsimReport && window.ldnsimReport.views) || {};
    const elements = Array.from(document.querySelectorAll('[id^="chart-"]')).filter((e) => /^chart-\d+$/.test(e.id));
    return elements.map((el) => {
      const view = views[el.id];
      const marks = {};
      const datasets = {};
      if (view) {
        const walk = (mark) => {
          if (!mark || !mark.marktype) return;
          if (mark.marktype === 'group') {
            for (const item of mark.items || []) for (const child of item.items || []) walk(child);
          } else if (mark.role === 'mark') {
            marks[mark.marktype] = (marks[mark.marktype] ?? 0) + (mark.items || []).length;
          }
        };
        try {
          walk(view.scenegraph().root);
        } catch (e) {
          marks.error = String(e);
        }
        // Named datasets, without Vega's own ('root', the one-item top-level group).
        const names = Object.keys((view._runtime && view._runtime.data) || {})
          .filter((n) => n !== 'root' && !n.startsWith('_:vega:_'));
        for (const name of names) {
          try {
            datasets[name] = view.data(name).length;
          } catch (e) {
            datasets[name] = null;
          }
        }
      }
      const drawing = el.querySelector('svg.marks, canvas.marks') || el.querySelector('svg, canvas');
      const box = drawing ? drawing.getBoundingClientRect() : null;
      return {
        id: el.id,
        view: !!view,
        rendered: el.getAttribute('data-rendered') === 'true',
        error: el.getAttribute('data-error'),
        svg: !!el.querySelector('svg'),
        canvas: !!el.querySelector('canvas'),
        size: box ? [Math.round(box.width), Math.round(box.height)] : null,
        marks,
        datasets,
      };
    });
  });
}

// The checks every chart must pass; returns the number of data marks per chart.
export function checkCharts(checks, charts) {
  charts.forEach((c, i) => {
    checks.check(c.id === `chart-${i + 1}`, `chart element ${i + 1} has id '${c.id}', not 'chart-${i + 1}'`);
    const total = Object.entries(c.marks).filter(([k]) => k !== 'error').reduce((a, [, v]) => a + v, 0);
    const filled = Object.values(c.datasets).filter((n) => n > 0).length;
    const marks = Object.entries(c.marks).map(([k, v]) => `${k}=${v}`).join(' ');
    const data = Object.entries(c.datasets).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`${c.id}: ${c.rendered ? 'rendered' : 'NOT rendered'}, ${c.svg ? 'svg' : c.canvas ? 'canvas' : 'no drawing'} ` +
                `${c.size ? c.size.join('x') : ''}, datasets ${data || 'none'}, marks ${marks || 'none'}`);
    checks.check(c.view, `${c.id}: the page exposes no Vega view for it (window.ldnsimReport.views)`);
    checks.check(c.rendered && !c.error, `${c.id} did not render: ${c.error ?? 'no error reported'}`);
    checks.check((c.svg || c.canvas) && c.size && c.size[0] > 0 && c.size[1] > 0, `${c.id} has no visible SVG or canvas`);
    checks.check(filled > 0, `${c.id}: every dataset of its view is empty (${data || 'no datasets'})`);
    checks.check(total > 0, `${c.id} shows no data marks`);
  });
}

// A narrow window (800 px, half a laptop screen): no result table may be wider than the page
// (it would scroll sideways inside its frame). Restores the viewport it found.
export const NARROW_WIDTH = 800;
export async function checkNarrowTables(checks, page) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: NARROW_WIDTH, height: 900 });
  const wide = await page.evaluate(() =>
    Array.from(document.querySelectorAll('.table-wrap')).map((w, i) => ({
      table: w.querySelector('caption')?.textContent?.trim() || `table ${i + 1}`,
      overflow: w.scrollWidth - w.clientWidth,
    })).filter((t) => t.overflow > 1));
  for (const t of wide)
    checks.fail(`at ${NARROW_WIDTH} px, the table '${t.table.slice(0, 60)}' is ${t.overflow} px wider than the page`);
  if (wide.length === 0) checks.check(true, '');
  if (before) await page.setViewportSize(before);
}
