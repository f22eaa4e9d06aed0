/**
 * The console's only static files, kept as text in this module so the package ships them with
 * its compiled JavaScript (package.json `files`) and nothing is fetched from elsewhere. The script
 * is optional comfort: every page works without it (plain links and forms).
 */

export interface Asset {
  readonly contentType: string;
  readonly text: string;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header a[aria-current=page]{text-decoration:underline}
header .who{margin-left:auto;font-size:.85rem;opacity:.85;display:flex;gap:.5rem;align-items:center}
main{padding:1rem;max-width:80rem;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #d8dde3;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e6e9ed;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;word-break:break-word;min-width:14rem}
th{background:#eef1f4;font-weight:600}
pre{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:.6rem;overflow-x:auto;font-size:.82rem;white-space:pre-wrap;word-break:break-word;max-height:28rem}
form.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem;margin-bottom:1rem}
form.filters label,form.stack label{display:flex;flex-direction:column;font-size:.8rem;color:#4a5561}
form.stack{display:grid;gap:.6rem;max-width:32rem;margin-bottom:1rem}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #b9c2cc;border-radius:4px;background:#fff}
button{background:#1d3557;color:#fff;border-color:#1d3557;cursor:pointer}
button.secondary{background:#fff;color:#1d3557}
button.danger{background:#b3261e;border-color:#b3261e}
form.inline{display:inline}
.state{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.8rem;background:#e6e9ed}
.state-delivered,.state-active,.state-done{background:#d5f0dc}
.state-dead,.state-disabled,.state-breaker-open{background:#f8d7d5}
.state-retrying,.state-paused,.state-paused-by-operator,.state-running{background:#fff0c2}
.notice{padding:.6rem .8rem;border-radius:6px;background:#e8f0fb;border:1px solid #b8cdea;margin-bottom:1rem}
.error{background:#fbe9e8;border-color:#eab8b5}
.muted{color:#6b7682;font-size:.85rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 1rem}
dt{color:#4a5561}dd{margin:0;word-break:break-word}
@media (max-width:40rem){main{padding:.6rem}header .who{margin-left:0}}
`;

const SCRIPT = `'use strict';
document.querySelectorAll('time[datetime]').forEach(function (time) {
  var at = new Date(time.getAttribute('datetime'));
  if (!isNaN(at)) { time.title = time.getAttribute('datetime'); time.textContent = at.toLocaleString(); }
});
document.addEventListener('submit', function (event) {
  var button = event.target.querySelector('button');
  if (button && event.target.method.toLowerCase() === 'post') setTimeout(function () { button.disabled = true; }, 0);
});
`;

/** The files under /console/assets/, by name. */
export const CONSOLE_ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['console.css', { contentType: 'text/css; charset=utf-8', text: CSS }],
  ['console.js', { contentType: 'text/javascript; charset=utf-8', text: SCRIPT }],
]);
