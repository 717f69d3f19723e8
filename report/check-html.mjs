// Generic headless-browser check of any ldnsim HTML report (or page).
//
//   node report/check-html.mjs --html REPORT.html [--screenshot OUT.png] [--charts N]
//        [--text "must appear" ...] [--url http://127.0.0.1:PORT/] [--chromium PATH] [--timeout MS]
//
// Opens the report from file:// (or, with --url, a page of a server on this computer) in
// Debian's Chromium through playwright-core, with a fresh profile and no network; waits
// until vega-embed has drawn every chart (window.ldnsimReport.ready); and fails when
//   - the page has no chart, or not exactly N with --charts;
//   - the chart elements are not chart-1..chart-K in page order;
//   - a chart-N element did not render an SVG or canvas of non-zero size, reported an
//     error, shows no data marks, or its Vega view's datasets are all empty;
//   - a --text is not shown on the page;
//   - at 800 px wide, a table is wider than the page (it would scroll sideways);
//   - the page logged a console error or warning, threw, or requested anything outside
//     itself (only file:, data:, blob:, about: and, with --url, that server).
// Saves a full-page screenshot with --screenshot. Prints one line per chart and a closing
// "N passed, N failed" line; exits 1 on failure. ctest: ldnsim_browser_report_test()
// in cmake/LdnsimBrowserTests.cmake.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { Checks, DEFAULT_CHROMIUM, checkCharts, checkNarrowTables, die, inspectCharts, launch, watch } from './browser-lib.mjs';

const NAME = 'check-html';
let opt;
try {
  ({ values: opt } = parseArgs({
    options: {
      html: { type: 'string' },
      url: { type: 'string' },
      screenshot: { type: 'string' },
      charts: { type: 'string' },
      text: { type: 'string', multiple: true, default: [] },
      chromium: { type: 'string', default: DEFAULT_CHROMIUM },
      timeout: { type: 'string', default: '60000' },
    },
  }));
} catch (e) {
  die(NAME, e.message);
}

if (!opt.html === !opt.url) die(NAME, 'usage: check-html.mjs --html REPORT.html | --url http://127.0.0.1:PORT/ [--screenshot OUT.png]');
let target;
const origins = [];
if (opt.html) {
  if (!fs.existsSync(opt.html)) die(NAME, `no report at ${opt.html}`);
  target = pathToFileURL(path.resolve(opt.html)).href;
} else {
  let url;
  try {
    url = new URL(opt.url);
  } catch (e) {
    die(NAME, `--url ${opt.url}: not a URL`);
  }
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname))
    die(NAME, `--url ${opt.url}: only pages served from this computer (127.0.0.1, localhost, [::1]) are checked`);
  target = url.href;
  origins.push(url.origin);
}
const expectedCharts = opt.charts === undefined ? null : Number(opt.charts);
if (expectedCharts !== null && !(Number.isInteger(expectedCharts) && expectedCharts >= 1))
  die(NAME, `--charts ${opt.charts}: expected a whole number >= 1`);
const timeout = Number(opt.timeout);

const checks = new Checks(NAME);
let problems = [];
let browser;
try {
  browser = await launch({ executablePath: opt.chromium, timeout });
  const { page } = browser;
  problems = watch(page, origins);
  await page.goto(target, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => window.ldnsimReport && window.ldnsimReport.ready, null, { timeout });
  await page.evaluate(() => window.ldnsimReport.ready);

  const charts = await inspectCharts(page);
  checks.check(charts.length > 0, 'the page has no chart-N element');
  if (expectedCharts !== null)
    checks.check(charts.length === expectedCharts, `expected ${expectedCharts} charts, the page has ${charts.length}`);
  checkCharts(checks, charts);

  const text = await page.evaluate(() => document.body.innerText);
  for (const t of opt.text) checks.check(text.includes(t), `the page does not show the text '${t}'`);
  await checkNarrowTables(checks, page);

  if (opt.screenshot) {
    fs.mkdirSync(path.dirname(path.resolve(opt.screenshot)), { recursive: true });
    await page.screenshot({ path: opt.screenshot, fullPage: true });
    console.log(`screenshot: ${opt.screenshot}`);
  }
} catch (e) {
  checks.fail(`browser: ${e.message}`);
} finally {
  if (browser) await browser.close();
}
process.exit(checks.finish(problems));
