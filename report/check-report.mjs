// Headless-browser check of an ldnsim HTML report.
//
//   node report/check-report.mjs --html REPORT.html [--expect EXPECT.json]
//        [--screenshot OUT.png] [--pdf OUT.pdf] [--chromium /usr/bin/chromium]
//
// Opens the report from file:// in Debian's Chromium (through playwright-core, with a fresh
// profile and no network), waits until vega-embed has drawn every chart, and fails when
//   - a chart element chart-N did not render an SVG with marks, or reported an error;
//   - the chart ids are not chart-1..chart-N, one per embedded specification;
//   - hovering the first point of a chart shows no tooltip;
//   - a chart's specification is not valid against the installed Vega-Lite's JSON schema;
//   - a chart's marks or data do not match EXPECT.json, which lists for each chart id the
//     number of rows in its data and of marks per type ({"line": 3, "symbol": 75, ...});
//   - the page logged a console error or warning, threw, or made a network request.
// It then saves a full-page screenshot (and, with --pdf, the printed page).
// Prints one line per chart and a closing "N passed, N failed" line; exits 1 on failure.

import Ajv from 'ajv';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const { values: opt } = parseArgs({
  options: {
    html: { type: 'string' },
    expect: { type: 'string' },
    screenshot: { type: 'string' },
    pdf: { type: 'string' },
    chromium: { type: 'string', default: process.env.LDNSIM_CHROMIUM || '/usr/bin/chromium' },
    timeout: { type: 'string', default: '60000' },
  },
});

function die(message) {
  console.error(`check-report: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!opt.html) die('usage: check-report.mjs --html REPORT.html [--expect EXPECT.json] [--screenshot OUT.png]');
if (!fs.existsSync(opt.html)) die(`no report at ${opt.html}`);
if (!fs.existsSync(opt.chromium))
  die(`no Chromium at ${opt.chromium}: install it with 'apt-get install -y chromium chromium-driver' ` +
      '(or point --chromium / LDNSIM_CHROMIUM at another Chromium)');
const expected = opt.expect ? JSON.parse(fs.readFileSync(opt.expect, 'utf8')).charts : null;
const timeout = Number(opt.timeout);

// Vega-Lite's JSON schema, from the installed package.
const here = path.dirname(fileURLToPath(import.meta.url));
const schemaPath = path.join(here, 'node_modules', 'vega-lite', 'build', 'vega-lite-schema.json');
const validateSpec = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  .compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));

// The most specific of the schema errors (the deepest path): anyOf alternatives make the rest noise.
function schemaError(errors) {
  const e = errors.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a));
  return `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`;
}

const problems = []; // console messages, page errors, network requests
const failures = []; // failed checks
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldnsim-chromium-'));
let context;
let passed = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: opt.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
    timeout,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!/^(file|data|blob|about):/.test(r.url())) problems.push(`network request: ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));

  await page.goto(pathToFileURL(path.resolve(opt.html)).href, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => window.ldnsimReport && window.ldnsimReport.ready, null, { timeout });

  const found = await page.evaluate(async () => {
    await window.ldnsimReport.ready;
    const nodes = Array.from(document.querySelectorAll('script[data-chart-spec]'));
    const specs = nodes.map((s) => s.getAttribute('data-chart-spec'));
    const texts = nodes.map((s) => s.textContent);
    const charts = Array.from(document.querySelectorAll('div.chart')).map((el) => {
      const marks = {};
      for (const g of el.querySelectorAll('g.role-mark')) {
        const type = Array.from(g.classList).find((c) => c.startsWith('mark-'))?.slice(5);
        if (!type || type === 'group') continue;
        marks[type] = (marks[type] ?? 0) + g.children.length;
      }
      const svg = el.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      let rows = null;
      const view = window.ldnsimReport.views[el.id];
      try {
        rows = view ? view.data('source_0').length : null;
      } catch (e) {
        rows = null;
      }
      return {
        id: el.id,
        rendered: el.getAttribute('data-rendered') === 'true',
        error: el.getAttribute('data-error'),
        svg: !!svg,
        canvas: !!el.querySelector('canvas'),
        size: box ? [Math.round(box.width), Math.round(box.height)] : null,
        marks,
        rows,
      };
    });
    return { specs, texts, charts };
  });

  const check = (ok, what) => {
    if (ok) passed++;
    else failures.push(what);
  };

  check(found.charts.length > 0, 'the page has no charts');
  check(JSON.stringify(found.charts.map((c) => c.id)) === JSON.stringify(found.specs),
        `chart elements ${JSON.stringify(found.charts.map((c) => c.id))} do not match the specifications ` +
        JSON.stringify(found.specs));
  found.charts.forEach((c, i) =>
    check(c.id === `chart-${i + 1}`, `chart element ${i + 1} has id '${c.id}', not 'chart-${i + 1}'`));

  found.specs.forEach((id, i) => {
    let spec = null;
    try {
      spec = JSON.parse(found.texts[i]);
    } catch (e) {
      check(false, `${id}: the embedded specification is not JSON: ${e.message}`);
      return;
    }
    const valid = validateSpec(spec);
    check(valid, `${id}: not valid Vega-Lite: ${valid ? '' : schemaError(validateSpec.errors)}`);
  });

  for (const c of found.charts) {
    const total = Object.values(c.marks).reduce((a, b) => a + b, 0);
    const marks = Object.entries(c.marks).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`${c.id}: ${c.rendered ? 'rendered' : 'NOT rendered'}, ${c.svg ? 'svg' : c.canvas ? 'canvas' : 'no drawing'}` +
                ` ${c.size ? c.size.join('x') : ''}, ${c.rows} rows, marks ${marks || 'none'}`);
    check(c.rendered && !c.error, `${c.id} did not render: ${c.error ?? 'no error reported'}`);
    check((c.svg || c.canvas) && c.size && c.size[0] > 0 && c.size[1] > 0, `${c.id} has no visible SVG or canvas`);
    check(total > 0, `${c.id} shows no marks`);
  }

  // Tooltips: hovering the first point of each chart that has points shows its values.
  for (const c of found.charts) {
    if (!c.marks.symbol) continue;
    const point = page.locator(`#${c.id} g.mark-symbol.role-mark > path`).first();
    await point.hover({ force: true });
    const tip = page.locator('#vg-tooltip-element');
    let text = '';
    try {
      await tip.waitFor({ state: 'visible', timeout: 5000 });
      text = (await tip.innerText()).trim();
    } catch (e) {
      text = '';
    }
    check(text.length > 0, `${c.id}: hovering a point shows no tooltip`);
    console.log(`${c.id}: tooltip "${text.replace(/\s+/g, ' ').slice(0, 80)}"`);
    await page.mouse.move(0, 0);
  }

  if (expected) {
    check(expected.length === found.charts.length,
          `expected ${expected.length} charts, the page has ${found.charts.length}`);
    for (const e of expected) {
      const c = found.charts.find((x) => x.id === e.id);
      if (!c) {
        check(false, `${e.id} is missing`);
        continue;
      }
      if (e.rows !== undefined) check(c.rows === e.rows, `${e.id}: expected ${e.rows} data rows, the view has ${c.rows}`);
      for (const [type, n] of Object.entries(e.marks ?? {}))
        check((c.marks[type] ?? 0) === n, `${e.id}: expected ${n} ${type} marks, found ${c.marks[type] ?? 0}`);
    }
  }

  if (opt.screenshot) {
    await page.screenshot({ path: opt.screenshot, fullPage: true });
    console.log(`screenshot: ${opt.screenshot}`);
  }
  if (opt.pdf) {
    await page.pdf({ path: opt.pdf, format: 'A4', printBackground: true });
    console.log(`pdf: ${opt.pdf}`);
  }
} catch (e) {
  failures.push(`browser: ${e.message}`);
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

// Each distinct console message, page error or network request counts as a failure.
const all = [...failures, ...new Set(problems)];
for (const p of all) console.error(`FAIL ${p}`);
console.log(`${passed} passed, ${all.length} failed`);
process.exit(all.length > 0 ? 1 : 0);
