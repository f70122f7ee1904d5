// Builds a jsdom page with jQuery and our scripts loaded the way a browser loads them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../../', import.meta.url));

const scripts = {
  jquery: readFileSync(require.resolve('jquery/dist/jquery.min.js'), 'utf8'),
  badger: readFileSync(`${root}static/js/badger.js`, 'utf8'),
  app: readFileSync(`${root}static/js/app.js`, 'utf8'),
};

const openWindows = [];

/** Closes every page opened so far, stopping their timers. */
export function closePages() {
  openWindows.splice(0).forEach((window) => window.close());
}

/** A window with jQuery and badger.js (and app.js unless `withApp` is false). */
export function loadPage(body = '<a id="nav_main" href="/notifications">Notifications</a>', {
  bodyAttributes = '',
  head = '',
  title = 'Caretaker',
  withApp = true,
} = {}) {
  const html = `<!doctype html><html><head><title>${title}</title>${head}</head>` +
    `<body ${bodyAttributes}>${body}</body></html>`;
  const dom = new JSDOM(html, {
    runScripts: 'outside-only',
    pretendToBeVisual: true,
    url: 'http://caretaker.test/',
  });
  const { window } = dom;
  openWindows.push(window);

  window.eval(scripts.jquery);
  window.eval(scripts.badger);
  if (withApp) {
    window.eval(scripts.app);
  }
  return window;
}
