#!/usr/bin/env node
// Accessibility check of a static website (the one `lis publish` writes), page by page, in Debian's headless
// Chromium driven by playwright-core:
//   - axe-core with the WCAG 2.2 AA rule tags (wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa) at every width;
//   - reflow: no sideways page scrolling (WCAG 1.4.10; 320 px is also 1280 px at 400% zoom);
//   - keyboard: the first Tab stop is a skip link to a target on the page that takes focus onwards, every visible
//     focusable element is reached by Tab, and each Tab stop shows focus (its outline, box-shadow, border,
//     background, underline or stroke differs from the unfocused state) inside the window;
//   - offline and whole: no request leaves the machine, no file the page loads or links to is missing, no script
//     error.
// Pages open from file:// as a reader opening the site from a network drive would.
//
// Usage: node tools/axe/check.mjs DIR [--widths 1280,320] [--screenshots OUTDIR] [--json FILE] [--jobs N]
// Exit 0: no violation; 1: violations (listed); 2: the check could not run (usage, no browser, no pages).
// The browser is /usr/bin/chromium unless LIS_CHROMIUM names another.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// This machine's network is closed: without these, Chromium waits on lookups of Google's services.
// --allow-file-access-from-files lets axe-core read the pages' style sheets (for its CSS rules) from file://.
const CHROMIUM_ARGS = ['--allow-file-access-from-files', '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HEIGHT = 900;

function usage(message) {
  if (message) console.error(`Error: ${message}`);
  console.error('Usage: node tools/axe/check.mjs DIR [--widths 1280,320] [--screenshots OUTDIR] [--json FILE] '
    + '[--jobs N]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { dir: null, widths: [1280, 320], screenshots: null, json: null, jobs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--widths') {
      opts.widths = value().split(',').map((w) => Number.parseInt(w, 10));
      if (opts.widths.some((w) => !(w >= 200 && w <= 4000))) usage('--widths takes pixel widths such as 1280,320');
    } else if (arg === '--screenshots') opts.screenshots = path.resolve(value());
    else if (arg === '--json') opts.json = path.resolve(value());
    else if (arg === '--jobs') opts.jobs = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (arg === '-h' || arg === '--help') usage();
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else if (opts.dir === null) opts.dir = path.resolve(arg);
    else usage(`unexpected argument ${arg}`);
  }
  if (opts.dir === null) usage('name the folder of the website');
  if (!fs.existsSync(opts.dir) || !fs.statSync(opts.dir).isDirectory()) usage(`${opts.dir} is not a folder`);
  return opts;
}

function htmlFiles(dir) {
  const found = [];
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (/\.html?$/i.test(entry.name)) found.push(rel);
    }
  };
  walk('');
  return found.sort();
}

// ---------------------------------------------------------------- in-page helpers (run inside Chromium)
// One string so each page gets the same helpers through addInitScript; they hang off window.__lisCheck.
const PAGE_HELPERS = `(() => {
  const FOCUSABLE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, summary, '
    + 'audio[controls], video[controls], [contenteditable]:not([contenteditable=false]), [tabindex]';
  function selector(el) {
    if (!el || el.nodeType !== 1) return String(el);
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      let part = node.localName;
      if (node.id) { parts.unshift(part + '#' + CSS.escape(node.id)); break; }
      const cls = [...node.classList].slice(0, 2).map((c) => '.' + CSS.escape(c)).join('');
      part += cls;
      const parent = node.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === node.localName);
        if (same.length > 1) part += ':nth-of-type(' + (same.indexOf(node) + 1) + ')';
      }
      parts.unshift(part);
    }
    return parts.join(' > ');
  }
  function visible(el) {
    if (el.closest('[inert]')) return false;
    if (typeof el.checkVisibility === 'function'
        && !el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })) return false;
    return el.getClientRects().length > 0;
  }
  function tabbables() {
    return [...document.querySelectorAll(FOCUSABLE)].filter((el) => {
      if (el.disabled || el.tabIndex < 0) return false;
      if (el.localName === 'summary' && el.parentElement?.localName !== 'details') return false;
      return visible(el);
    });
  }
  // What can show focus; 'color' alone is not counted (a colour change alone is too weak an indicator).
  function look(el) {
    document.getAnimations().forEach((a) => { try { a.finish(); } catch (e) { /* infinite animations */ } });
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
      ? [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset].join(' ') : 'none';
    const border = ['Top', 'Right', 'Bottom', 'Left'].map((side) => s['border' + side + 'Style'] === 'none'
      ? 'none' : [s['border' + side + 'Width'], s['border' + side + 'Color']].join(' ')).join(',');
    return { outline, 'box-shadow': s.boxShadow, border, background: s.backgroundColor,
      'text-decoration': s.textDecorationLine + ' ' + s.textDecorationThickness,
      stroke: s.stroke + ' ' + s.strokeWidth, fill: s.fill, filter: s.filter };
  }
  function box(el) {
    const r = el.getBoundingClientRect();
    const inView = r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
    return { inView, width: Math.round(r.width), height: Math.round(r.height) };
  }
  function scrollsSideways(el) {
    for (let node = el.parentElement; node && node !== document.body && node !== document.documentElement;
      node = node.parentElement) {
      const o = getComputedStyle(node).overflowX;
      if (o !== 'visible') return true;
    }
    return false;
  }
  function reflow() {
    const width = innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    const clipped = [document.documentElement, document.body].some(
      (el) => el && ['hidden', 'clip'].includes(getComputedStyle(el).overflowX));
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 1 || r.width <= 1 || !visible(el) || scrollsSideways(el)) continue;
      const parent = el.parentElement;
      if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 1) continue;
      wide.push({ target: selector(el), right: Math.round(r.right) });
      if (wide.length >= 5) break;
    }
    const ok = scrollWidth <= width + 1 && !(clipped && wide.length);
    return { ok, width, scrollWidth, clipped, wide };
  }
  function startTabbing() {
    window.__lisTabbables = tabbables();
    window.__lisBefore = new Map(window.__lisTabbables.map((el) => [el, look(el)]));
    window.__lisReached = [];
    window.__lisAfter = [];
    return window.__lisTabbables.length;
  }
  function focusStop() {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { end: true };
    if (window.__lisReached.includes(el)) return { end: true, wrapped: true };
    window.__lisReached.push(el);
    window.__lisAfter.push(look(el));
    const stop = { target: selector(el), tag: el.localName, box: box(el) };
    if (el.localName === 'a') {
      const href = el.getAttribute('href') || '';
      stop.href = href;
      stop.text = (el.textContent || '').trim().slice(0, 80);
      if (href.startsWith('#') && href.length > 1) {
        const id = decodeURIComponent(href.slice(1));
        const target = document.getElementById(id) || document.getElementsByName(id)[0];
        stop.skipTarget = target ? selector(target) : null;
        stop.skipTargetTag = target ? target.localName : null;
        stop.skipTargetHasStops = target ? window.__lisTabbables.some((t) => target.contains(t)) : false;
      }
    }
    return stop;
  }
  function finishTabbing() {
    document.activeElement?.blur?.();
    const stops = window.__lisReached.map((el, i) => {
      const before = window.__lisBefore.get(el) || look(el);
      const after = window.__lisAfter[i];
      const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
      return { target: selector(el), changed };
    });
    const unreached = window.__lisTabbables.filter((el) => !window.__lisReached.includes(el)).map(selector);
    return { stops, unreached };
  }
  function insideSkipTarget(href) {
    const id = decodeURIComponent(href.slice(1));
    const target = document.getElementById(id) || document.getElementsByName(id)[0];
    const el = document.activeElement;
    return { hash: location.hash, inside: !!(target && el && (target === el || target.contains(el))),
      active: selector(el) };
  }
  function links() {
    const out = [];
    for (const a of document.querySelectorAll('a[href], area[href]')) {
      out.push({ raw: a.getAttribute('href'), url: a.href, target: selector(a) });
    }
    return out;
  }
  function ids() { return [...document.querySelectorAll('[id], a[name]')].map((el) => el.id || el.name); }
  window.__lisCheck = { reflow, startTabbing, focusStop, finishTabbing, insideSkipTarget, links, ids };
})();`;

// ---------------------------------------------------------------- checks of one page at one width
// One browser tab per worker, reused page after page; what its listeners find goes to the current page's list.
async function newTab(context) {
  const page = await context.newPage();
  const report = (problem) => page.lisProblems?.push(problem);
  // self-contained: nothing may come from the network (it is closed here anyway: fail fast, and say so)
  await page.route(/^(https?|wss?|ftp):/i, (route) => {
    report({ rule: 'external-request', target: route.request().url(),
      help: 'the page asks the network for a file: the site must work offline and self-contained' });
    return route.abort('blockedbyclient');
  });
  page.on('pageerror', (err) => report({ rule: 'script-error', target: '', help: String(err.message || err) }));
  // axe-core reads the style sheets again by XHR (allowed by --allow-file-access-from-files); the page's own
  // scripts may not: browsers refuse fetch/XHR of file:// URLs, so such a site breaks when opened from a drive.
  page.on('request', (req) => {
    if (!page.lisAxe && req.url().startsWith('file:') && ['xhr', 'fetch'].includes(req.resourceType())) {
      report({ rule: 'file-fetch', target: decodeURIComponent(new URL(req.url()).pathname), help: 'a script fetches a file: browsers refuse that '
        + 'for pages opened from a folder or network drive (put the data in the page)' });
    }
  });
  page.on('requestfailed', (req) => {
    if (req.url().startsWith('file:') && !page.lisAxe) {
      const file = fileURLToPath(req.url());
      // a request cut short by leaving the page (axe-core's re-reading of a style sheet, say) is not a missing file
      if (fs.existsSync(file)) return;
      report({ rule: 'missing-file', target: path.relative(path.dirname(fileURLToPath(page.url())), file) || file,
        help: `the page loads a file that is not there (${req.failure()?.errorText || 'failed'})` });
    }
  });
  return page;
}

async function load(page, url, problems) {
  page.lisProblems = problems;
  page.lisAxe = false;
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
}

async function checkKeyboard(page, problems) {
  const result = { tabStops: 0, tabbables: 0, skipLink: null, focusMissing: [], unreached: [] };
  result.tabbables = await page.evaluate(() => window.__lisCheck.startTabbing());
  const stops = [];
  const cap = result.tabbables + 50;
  for (let i = 0; i < cap; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => window.__lisCheck.focusStop());
    if (stop.end) break;
    stops.push(stop);
  }
  const { stops: looks, unreached } = await page.evaluate(() => window.__lisCheck.finishTabbing());
  result.tabStops = stops.length;
  result.unreached = unreached;
  const first = stops[0];
  if (!first) {
    if (result.tabbables > 0) problems.push({ rule: 'keyboard-no-focus', target: '', help: 'Tab reaches nothing' });
  } else if (!(first.href && first.href.startsWith('#') && first.skipTarget)) {
    problems.push({ rule: 'skip-link-first', target: first.target,
      help: 'the first Tab stop must be a skip link to the main content ("#id" of an element on the page)' });
  } else {
    result.skipLink = { target: first.target, href: first.href, text: first.text, to: first.skipTarget };
  }
  stops.forEach((stop, i) => {
    const changed = looks[i]?.changed || [];
    if (changed.length === 0) {
      result.focusMissing.push(stop.target);
      problems.push({ rule: 'focus-visible', target: stop.target,
        help: 'focus is not visible: no outline, box-shadow, border, background, underline or stroke changes' });
    } else if (!stop.box.inView || stop.box.width < 2 || stop.box.height < 2) {
      result.focusMissing.push(stop.target);
      problems.push({ rule: 'focus-visible', target: stop.target,
        help: `the focused element is not in the window (${stop.box.width}x${stop.box.height} px)` });
    }
  });
  for (const target of unreached) {
    problems.push({ rule: 'keyboard-reach', target, help: 'a visible focusable element that Tab never reaches' });
  }
  // Following the skip link moves the keyboard on to the target: the next Tab lands inside it.
  if (result.skipLink && first.skipTargetHasStops) {
    await page.evaluate(() => window.__lisReached[0].focus());
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const after = await page.evaluate((href) => window.__lisCheck.insideSkipTarget(href), first.href);
    result.skipLink.works = after.inside;
    if (!after.inside) {
      problems.push({ rule: 'skip-link-works', target: first.target,
        help: `after following the skip link, Tab goes to ${after.active}, outside ${first.skipTarget}` });
    }
  }
  return result;
}

async function checkPage(page, site, rel, width, opts) {
  const url = pathToFileURL(path.join(site, rel)).href;
  const problems = [];
  const record = { page: rel, width, violations: [], incomplete: [], reflow: null, keyboard: null, problems };
  await load(page, url, problems);
  record.reflow = await page.evaluate(() => window.__lisCheck.reflow());
  if (!record.reflow.ok) {
    const wide = record.reflow.wide.map((w) => w.target).join('; ') || 'unknown';
    problems.push({ rule: 'reflow', target: wide, help: record.reflow.scrollWidth > record.reflow.width + 1
      ? `the page scrolls sideways: ${record.reflow.scrollWidth} px of content in a ${width} px window`
      : `content is cut off at the right edge of a ${width} px window (overflow-x hidden)` });
  }
  record.links = await page.evaluate(() => window.__lisCheck.links());
  record.ids = await page.evaluate(() => window.__lisCheck.ids());
  if (opts.screenshots) {
    const name = `${rel.replace(/\.html?$/i, '').replace(/[\\/]/g, '__')}-${width}.png`;
    record.screenshot = path.join(opts.screenshots, name);
    await page.screenshot({ path: record.screenshot, fullPage: true });
  }
  page.lisAxe = true;
  await page.addScriptTag({ path: AXE_SOURCE });
  const axe = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'] });
    const slim = (list) => list.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      tags: v.tags, nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200),
        summary: n.failureSummary })) }));
    return { violations: slim(r.violations), incomplete: slim(r.incomplete), version: axe.version };
  }, AXE_TAGS);
  page.lisAxe = false;
  record.violations = axe.violations;
  record.incomplete = axe.incomplete;
  record.axeVersion = axe.version;
  await page.evaluate(() => window.scrollTo(0, 0));
  record.keyboard = await checkKeyboard(page, problems);
  page.lisProblems = null;
  return record;
}

// Links and loaded files that point inside the site must exist; a link to a folder does not open its index.html
// from file://, and a link to "#id" must find that id on its page.
function checkLinks(site, records) {
  const idsByFile = new Map();
  for (const r of records) idsByFile.set(path.join(site, r.page), new Set(r.ids || []));
  const seen = new Set();
  for (const r of records) {
    for (const link of r.links || []) {
      if (!link.url.startsWith('file:')) continue;
      const u = new URL(link.url);
      const file = fileURLToPath(`${u.protocol}//${u.host}${u.pathname}`);
      const key = `${r.page}|${link.raw}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let help = null;
      if (!fs.existsSync(file)) help = `links to ${path.relative(site, file) || file}, which is not there`;
      else if (fs.statSync(file).isDirectory()) help = `links to a folder (${link.raw}): from a network drive that `
        + 'shows a file listing, not the page; link to its index.html';
      else if (u.hash.length > 1 && idsByFile.has(file)
        && !idsByFile.get(file).has(decodeURIComponent(u.hash.slice(1)))) {
        help = `links to ${link.raw}, but that page has no element with id ${u.hash.slice(1)}`;
      }
      if (help) r.problems.push({ rule: 'broken-link', target: link.target, help });
    }
    delete r.links;
    delete r.ids;
  }
}

function report(records, opts, pages) {
  const lines = [];
  let axeCount = 0;
  let otherCount = 0;
  const rules = new Map();
  for (const r of records) {
    const out = [];
    for (const v of r.violations) {
      axeCount += 1;
      rules.set(v.id, (rules.get(v.id) || 0) + 1);
      out.push(`  axe ${v.id} (${v.impact}): ${v.help}`);
      for (const n of v.nodes.slice(0, 5)) out.push(`      at ${n.target}`);
      if (v.nodes.length > 5) out.push(`      ... and ${v.nodes.length - 5} more`);
    }
    for (const p of r.problems) {
      otherCount += 1;
      rules.set(p.rule, (rules.get(p.rule) || 0) + 1);
      out.push(`  ${p.rule}: ${p.help}${p.target ? `\n      at ${p.target}` : ''}`);
    }
    const extra = r.incomplete.length ? ` (axe could not decide ${r.incomplete.length} rule(s): `
      + `${r.incomplete.map((v) => v.id).join(', ')}; look by eye)` : '';
    lines.push(`${out.length ? 'FAIL' : 'ok  '} ${r.page} at ${r.width} px${extra}`);
    lines.push(...out);
  }
  const total = axeCount + otherCount;
  lines.push('');
  lines.push(`${pages.length} page(s) at ${opts.widths.join(', ')} px: ${axeCount} axe-core violation(s) `
    + `(${AXE_TAGS.join(', ')}), ${otherCount} reflow/keyboard/link problem(s)`
    + (rules.size ? `; by rule: ${[...rules].map(([k, n]) => `${k} ${n}`).join(', ')}` : ''));
  if (opts.screenshots) lines.push(`Screenshots in ${opts.screenshots}`);
  return { text: lines.join('\n'), total };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const pages = htmlFiles(opts.dir);
  if (pages.length === 0) usage(`no .html page under ${opts.dir}`);
  const executablePath = process.env.LIS_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`Error: no Chromium at ${executablePath} (Debian package chromium; LIS_CHROMIUM names another)`);
    process.exit(2);
  }
  if (opts.screenshots) fs.mkdirSync(opts.screenshots, { recursive: true });
  const { chromium } = await import('playwright-core');
  // playwright gives the browser a fresh, throw-away user-data-dir of its own
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
  const records = [];
  const version = browser.version();
  try {
    for (const width of opts.widths) {
      const context = await browser.newContext({ viewport: { width, height: HEIGHT }, reducedMotion: 'reduce',
        serviceWorkers: 'block' });
      await context.addInitScript({ content: PAGE_HELPERS });
      let next = 0;
      const worker = async () => {
        const page = await newTab(context);
        while (next < pages.length) {
          const rel = pages[next++];
          records.push(await checkPage(page, opts.dir, rel, width, opts));
        }
        await page.close();
      };
      await Promise.all(Array.from({ length: Math.min(opts.jobs, pages.length) }, worker));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  records.sort((a, b) => (a.page < b.page ? -1 : a.page > b.page ? 1 : b.width - a.width));
  checkLinks(opts.dir, records);
  const { text, total } = report(records, opts, pages);
  console.log(text);
  if (opts.json) {
    fs.mkdirSync(path.dirname(opts.json), { recursive: true });
    fs.writeFileSync(opts.json, JSON.stringify({ dir: opts.dir, widths: opts.widths, tags: AXE_TAGS,
      axeVersion: records[0]?.axeVersion, browser: version, pages, records, total }, null, 1));
  }
  process.exit(total ? 1 : 0);
}

main().catch((err) => {
  console.error(`Error: the check could not run: ${err && err.stack ? err.stack : err}`);
  process.exit(2);
});
