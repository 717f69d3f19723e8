// Headless-browser test of the local explorer, `ldnsim serve`.
//
//   node report/check-explorer.mjs --ldnsim build/ldnsim [--screenshot OUT.png] [--chromium PATH] [--timeout MS]
//
// Starts `ldnsim serve --port 0 --json --exit-with-parent` (any free port on 127.0.0.1),
// then:
//   - over HTTP: a regimen answers 200 with the same bytes twice, bad values answer 400
//     with a message naming the parameter, unknown paths 404, POST 405, and the page comes
//     with its Content-Security-Policy;
//   - in Chromium (playwright-core, fresh profile, no network): the page draws its four
//     charts (SVG with data marks from non-empty data) and shows the same figures as
//     `ldnsim dose 4.5mg`; moving the dose slider up redraws the charts with new data and
//     raises Cmax (in proportion: the PK is linear) and occupancy; moving the bedtime
//     slider shifts the cycle on the clock and leaves Cmax alone; base instead of HCl
//     raises Cmax by 377.87/341.41; a missed dose lowers the figures and draws the
//     steady state beside them; an impossible dose typed in the box is refused on the page;
//   - the page logs no console error or warning, throws nothing and requests nothing but
//     its own server;
//   - screenshots: OUT.png (4.5 mg at 22:00) and OUT-missed.png (one missed dose);
//   - SIGTERM stops the server cleanly (exit status 0), and it is killed whatever happens.
// Prints what it checked and a closing "N passed, N failed" line; exits 1 on failure.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Checks, DEFAULT_CHROMIUM, checkCharts, die, inspectCharts, launch, watch } from './browser-lib.mjs';

const NAME = 'check-explorer';
let opt;
try {
  ({ values: opt } = parseArgs({
    options: {
      ldnsim: { type: 'string' },
      screenshot: { type: 'string' },
      chromium: { type: 'string', default: DEFAULT_CHROMIUM },
      timeout: { type: 'string', default: '60000' },
    },
  }));
} catch (e) {
  die(NAME, e.message);
}
if (!opt.ldnsim) die(NAME, 'usage: check-explorer.mjs --ldnsim path/to/ldnsim [--screenshot OUT.png]');
if (!fs.existsSync(opt.ldnsim)) die(NAME, `no ldnsim at ${opt.ldnsim}`);
const timeout = Number(opt.timeout);
const checks = new Checks(NAME);
const check = (ok, what) => checks.check(ok, what);
const started = Date.now();
const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);

// ---- the server ---------------------------------------------------------------------------
const server = spawn(opt.ldnsim, ['serve', '--port', '0', '--json', '--exit-with-parent'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverErr = '';
server.stderr.on('data', (d) => (serverErr += d));
const serverExit = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
let serverGone = false;
serverExit.then(() => (serverGone = true));
const killServer = () => {
  if (!serverGone) server.kill('SIGKILL');
};
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    killServer();
    process.exit(1);
  });

function firstLine(stream, ms) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`ldnsim serve printed no line within ${ms} ms: ${serverErr}`)), ms);
    stream.on('data', (d) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, nl));
      }
    });
    serverExit.then(({ code }) => reject(new Error(`ldnsim serve exited (${code}) before listening: ${serverErr}`)));
  });
}

async function get(url, init) {
  const r = await fetch(url, init);
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (e) {
    json = null;
  }
  return { status: r.status, headers: r.headers, text, json };
}

// The figure a row of `ldnsim dose` shows, e.g. ("naltrexone Cmax", "ng/mL") -> "1.36".
function doseTable(args) {
  const out = execFileSync(opt.ldnsim, ['dose', ...args, '-q'], { encoding: 'utf8' });
  return (label, unit) => {
    const line = out.split('\n').find((l) => l.startsWith(label.padEnd(30) + ' ' + unit.padEnd(6)));
    return line ? line.slice(38).trim().split(/\s+/)[0] : null;
  };
}

let browser;
let announced = null;
let problems = [];
try {
  const info = JSON.parse(await firstLine(server.stdout, timeout));
  const base = info.results.url;
  check(info.command === 'serve' && /^http:\/\/127\.0\.0\.1:\d+\/$/.test(base), `serve --json line: ${JSON.stringify(info)}`);
  // The announcement on stderr is checked once the server has stopped: stdout's line can
  // arrive before stderr's (two pipes, no order between them).
  announced = base;
  const origin = new URL(base).origin;
  log(`server: ${base}`);

  // ---- the API over HTTP ------------------------------------------------------------------
  const q = 'api/dose?mg=4.5&at=22:00&form=hcl&missed=0';
  const a = await get(base + q);
  const b = await get(base + q);
  check(a.status === 200 && a.json?.command === 'serve', `GET /${q}: ${a.status} ${a.text.slice(0, 200)}`);
  check(a.text === b.text, 'the same regimen twice gives different bytes');
  check(/^application\/json/.test(a.headers.get('content-type') ?? ''), `content-type ${a.headers.get('content-type')}`);
  const metrics = a.json.results.metrics;
  check(metrics.cmax_ntx.value > 0 && metrics.occ_peak.value > metrics.occ_trough.value, 'implausible metrics');
  for (const [query, parameter, words] of [
    ['mg=-1', 'mg', ['above 0']],
    ['mg=900', 'mg', ['500']],
    ['mg=abc', 'mg', ['not a number']],
    ['at=25:00', 'at', ['HH:MM']],
    ['at=soon', 'at', ['HH:MM']],
    ['form=tablet', 'form', ['hcl', 'base']],
    ['missed=7', 'missed', ['0 to 3']],
    ['dose=4.5', 'dose', ['unknown parameter']],
  ]) {
    const r = await get(base + 'api/dose?' + query);
    check(r.status === 400 && r.json?.parameter === parameter && words.every((w) => r.json.error.includes(w)),
          `GET /api/dose?${query}: expected 400 naming ${parameter}, got ${r.status} ${r.text.slice(0, 200)}`);
    log(`400 /api/dose?${query}: ${r.json?.error}`);
  }
  const missing = await get(base + 'no/such/page');
  check(missing.status === 404 && missing.json?.error?.includes('/no/such/page'), `404 expected: ${missing.status}`);
  const post = await get(base + 'api/dose', { method: 'POST', body: 'x' });
  check(post.status === 405, `POST: expected 405, got ${post.status}`);
  const home = await get(base);
  check(home.status === 200 && /default-src 'none'/.test(home.headers.get('content-security-policy') ?? ''),
        'the page comes without its Content-Security-Policy');

  // ---- the page -------------------------------------------------------------------------------
  browser = await launch({ executablePath: opt.chromium, timeout, viewport: { width: 1200, height: 900 } });
  const { page } = browser;
  problems = watch(page, [origin]);
  log('browser started');
  await page.goto(base, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => window.ldnsimExplorer && window.ldnsimExplorer.renders >= 1);

  const state = () =>
    page.evaluate(() => {
      const figures = {};
      const shown = {};
      for (const e of document.querySelectorAll('[data-metric]')) {
        figures[e.dataset.metric] = Number(e.dataset.raw);
        shown[e.dataset.metric] = e.textContent;
      }
      const x = window.ldnsimExplorer;
      const rows = x.views['chart-1'].data('source_0');
      const ntx = rows.filter((r) => r.series === 'naltrexone');
      return {
        figures,
        shown,
        query: x.query,
        renders: x.renders,
        requests: x.requests,
        error: document.getElementById('error').textContent,
        errorShown: document.getElementById('error').classList.contains('shown'),
        peaks: x.last.results.peaks,
        ntxMax: Math.max(...ntx.map((r) => r.value)),
        firstClock: rows[0].clock,
        rows: { c1: rows.length, c2: x.views['chart-2'].data('source_0').length },
        note: document.getElementById('missed-note').hidden ? null : document.getElementById('missed-note').textContent,
        timeLabel: document.getElementById('time-label').textContent,
      };
    });
  const waitFor = async (query) => {
    await page.waitForFunction((q) => window.ldnsimExplorer.query === q, query);
    return state();
  };
  const rel = (a, b) => Math.abs(a - b) / Math.abs(b);

  // Initial page: 4.5 mg at 22:00, HCl, steady state.
  const s0 = await waitFor('mg=4.5&at=22:00&form=hcl&missed=0');
  const charts = await inspectCharts(page);
  check(charts.length === 4, `expected 4 charts, found ${charts.length}`);
  checkCharts(checks, charts);
  for (const [k, v] of Object.entries(metrics))
    if (k in s0.figures) check(s0.figures[k] === v.value, `figure ${k}: page ${s0.figures[k]}, API ${v.value}`);
  const table = doseTable(['4.5mg', '--at', '22:00']);
  for (const [key, label, unit] of [
    ['cmax_ntx', 'naltrexone Cmax', 'ng/mL'],
    ['trough_nol', '6b-naltrexol trough', 'ng/mL'],
    ['occ_peak', 'MOR occupancy peak', '%'],
    ['occ_trough', 'MOR occupancy trough', '%'],
    ['hours50', 'hours/day MOR >= 50%', 'h'],
    ['t_change', 'T-cell proliferation change', '%'],
  ]) {
    const cli = table(label, unit);
    check(cli !== null && s0.shown[key].replace(/^\+/, '') === cli, `${key}: page shows ${s0.shown[key]}, ldnsim dose ${cli}`);
  }
  log(`4.5 mg at 22:00: Cmax ${s0.shown.cmax_ntx} ng/mL, occupancy ${s0.shown.occ_peak}-${s0.shown.occ_trough}%, ` +
              `${s0.shown.hours50} h >= 50%`);

  // Dose slider up, 4.5 -> 9 mg, with the keyboard as a person would.
  await page.focus('#dose-slider');
  for (let i = 0; i < 18; i++) await page.keyboard.press('ArrowRight');
  const s1 = await waitFor('mg=9&at=22:00&form=hcl&missed=0');
  await page.evaluate(() => window.ldnsimExplorer.ready);
  check(rel(s1.figures.cmax_ntx, 2 * s0.figures.cmax_ntx) < 1e-6, `9 mg: Cmax ${s1.figures.cmax_ntx} is not twice ${s0.figures.cmax_ntx}`);
  check(s1.figures.occ_peak > s0.figures.occ_peak, `9 mg: occupancy peak ${s1.figures.occ_peak} <= ${s0.figures.occ_peak}`);
  check(s1.figures.occ_trough > s0.figures.occ_trough, `9 mg: occupancy trough did not rise`);
  check(s1.figures.hours90 >= s0.figures.hours90, `9 mg: fewer hours >= 90%`);
  check(rel(s1.ntxMax, 2 * s0.ntxMax) < 1e-3, `9 mg: the chart's naltrexone peak ${s1.ntxMax} is not twice ${s0.ntxMax}`);
  check(s1.renders > s0.renders, 'moving the dose slider did not redraw');
  checkCharts(checks, await inspectCharts(page));
  log(`9 mg: Cmax ${s1.shown.cmax_ntx} ng/mL, occupancy ${s1.shown.occ_peak}-${s1.shown.occ_trough}%`);

  // Bedtime slider: 22:00 -> 08:00 (Home = 00:00, then 32 steps of 15 min).
  await page.focus('#time-slider');
  await page.keyboard.press('Home');
  for (let i = 0; i < 32; i++) await page.keyboard.press('ArrowRight');
  const s2 = await waitFor('mg=9&at=08:00&form=hcl&missed=0');
  log('dose at 08:00');
  check(s2.timeLabel === '08:00', `the time label shows ${s2.timeLabel}`);
  check(s2.figures.cmax_ntx === s1.figures.cmax_ntx, 'the dose time changed Cmax (the model has no body clock)');
  check(s2.firstClock === 8, `the cycle starts at clock ${s2.firstClock}, not 8`);
  check(s1.peaks.naltrexone === '23:00' ? s2.peaks.naltrexone === '09:00' : s2.peaks.naltrexone !== s1.peaks.naltrexone,
        `peak clock times did not move: ${s1.peaks.naltrexone} -> ${s2.peaks.naltrexone}`);

  // Base instead of HCl: 1/0.904 more naltrexone.
  await page.check('input[name=form][value=base]');
  const s3 = await waitFor('mg=9&at=08:00&form=base&missed=0');
  log('mg of base');
  check(rel(s3.figures.cmax_ntx / s2.figures.cmax_ntx, 377.87 / 341.41) < 1e-6,
        `base/HCl Cmax ratio ${s3.figures.cmax_ntx / s2.figures.cmax_ntx}, expected ${377.87 / 341.41}`);

  // One missed dose: the day without a dose, beside the steady state.
  await page.selectOption('#missed', '1');
  const s4 = await waitFor('mg=9&at=08:00&form=base&missed=1');
  log('one missed dose');
  check(s4.figures.cmax_ntx < s3.figures.cmax_ntx, 'a missed dose did not lower the naltrexone peak');
  check(s4.figures.occ_trough < s3.figures.occ_trough, 'a missed dose did not lower the occupancy trough');
  check(s4.rows.c2 === 2 * s3.rows.c2, `the missed-dose chart has ${s4.rows.c2} rows, not the day and the steady state`);
  check(s4.note !== null && s4.note.includes('steady-state cycle'), 'no note on the missed dose');

  // An impossible dose typed in the box: refused on the page, nothing sent, charts kept.
  await page.fill('#dose-input', '900');
  await page.waitForFunction(() => document.getElementById('error').classList.contains('shown'));
  await page.waitForTimeout(500);
  const s5 = await state();
  log(`900 mg typed: '${s5.error}'`);
  check(s5.errorShown && s5.error.includes('500'), `no message for 900 mg: '${s5.error}'`);
  check(s5.requests === s4.requests, 'an impossible dose was sent to the server');
  check(s5.query === s4.query, 'an impossible dose replaced the charts');

  // Presets, back to 4.5 mg at 22:00 HCl every night: the first screenshot.
  await page.click('#presets button[data-mg="1.5"]');
  await page.selectOption('#missed', '0');
  await page.check('input[name=form][value=hcl]');
  await page.focus('#time-slider');
  await page.keyboard.press('End'); // 23:45
  for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowLeft');
  const s6 = await waitFor('mg=1.5&at=22:00&form=hcl&missed=0');
  check(!s6.errorShown, `the error message stayed: ${s6.error}`);
  check(rel(s6.figures.cmax_ntx, s0.figures.cmax_ntx / 3) < 1e-6, '1.5 mg: Cmax is not a third of 4.5 mg\'s');
  await page.click('#presets button[data-mg="4.5"]');
  const s7 = await waitFor('mg=4.5&at=22:00&form=hcl&missed=0');
  check(s7.figures.cmax_ntx === s0.figures.cmax_ntx, 'back at 4.5 mg, Cmax differs from the first time');
  await page.evaluate(() => window.ldnsimExplorer.ready);
  checkCharts(checks, await inspectCharts(page));
  // The address bar holds the regimen: a bookmarked view opens as it was.
  await page.goto(base + '?mg=3&at=21:30&form=base&missed=2', { waitUntil: 'load', timeout });
  await page.waitForFunction(() => window.ldnsimExplorer && window.ldnsimExplorer.renders >= 1);
  const s8 = await waitFor('mg=3&at=21:30&form=base&missed=2');
  check(s8.timeLabel === '21:30' && (await page.inputValue('#dose-input')) === '3' &&
        (await page.isChecked('input[name=form][value=base]')) && (await page.inputValue('#missed')) === '2',
        'the controls do not show the regimen of the address');
  await page.goto(base, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => window.ldnsimExplorer && window.ldnsimExplorer.renders >= 1);
  await waitFor('mg=4.5&at=22:00&form=hcl&missed=0');
  log('regimen from the address');
  if (opt.screenshot) {
    fs.mkdirSync(path.dirname(path.resolve(opt.screenshot)), { recursive: true });
    await page.screenshot({ path: opt.screenshot, fullPage: true });
    log(`screenshot: ${opt.screenshot}`);
    await page.selectOption('#missed', '1');
    await waitFor('mg=4.5&at=22:00&form=hcl&missed=1');
    await page.evaluate(() => window.ldnsimExplorer.ready);
    const missedShot = opt.screenshot.replace(/(\.png)?$/, '-missed.png');
    await page.screenshot({ path: missedShot, fullPage: true });
    log(`screenshot: ${missedShot}`);
  }
} catch (e) {
  checks.fail(`${e.message}`);
} finally {
  if (browser) await browser.close();
  log('browser closed');
  // A clean stop on SIGTERM; killed outright if it does not stop within 10 s.
  if (!serverGone) {
    server.kill('SIGTERM');
    let timer;
    const stopped = await Promise.race([serverExit, new Promise((r) => (timer = setTimeout(() => r(null), 10000)))]);
    clearTimeout(timer);
    if (stopped === null) {
      killServer();
      checks.fail('ldnsim serve did not stop within 10 s of SIGTERM (killed)');
    } else {
      check(stopped.code === 0, `ldnsim serve exited with ${stopped.code ?? stopped.signal} after SIGTERM: ${serverErr}`);
      check(serverErr.includes('stopped (SIGTERM)'), `ldnsim serve did not say it stopped: ${serverErr}`);
      if (announced !== null)
        check(serverErr.includes(announced) && serverErr.includes('only this computer'),
              `stderr does not announce ${announced}: ${serverErr}`);
      log('server stopped');
    }
  } else {
    checks.fail(`ldnsim serve ended by itself: ${serverErr}`);
  }
}
process.exitCode = checks.finish(problems);
