/** The console's one stylesheet (served as /static/style.css: the CSP allows styles from 'self' only, none inline). */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --bad: #a40e26; --bad-bg: #ffebe9; --ok: #116329; --ok-bg: #dafbe1; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f6f8fa; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1.5rem; background: #0d2b4e; color: #fff; }
header a, header button { color: #fff; }
.brand { font-weight: 700; letter-spacing: .02em; margin-right: 1rem; }
header nav { display: flex; flex: 1; align-items: center; gap: 1rem; }
header nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; flex: 1; }
header nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
header form { margin: 0; }
header button { background: transparent; border: 1px solid #ffffff88; border-radius: 4px; padding: .2rem .6rem; cursor: pointer; font: inherit; }
main { max-width: 72rem; margin: 1.5rem auto; padding: 1.5rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
h1 { margin-top: 0; font-size: 1.6rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
thead th { background: #f0f3f6; }
tr.legacy td { background: var(--bad-bg); }
.badge { display: inline-block; background: var(--bad); color: #fff; border-radius: 3px; padding: 0 .35rem; font-size: .8rem; }
.notice { padding: .6rem .9rem; border-radius: 4px; }
.notice.ok { background: var(--ok-bg); color: var(--ok); }
.notice.problem { background: var(--bad-bg); color: var(--bad); }
form.stack { display: grid; gap: .8rem; max-width: 24rem; }
form.stack label { display: grid; gap: .2rem; font-weight: 600; }
form.stack label.switch { display: flex; align-items: center; gap: .7rem; }
label.switch input { appearance: none; width: 2.6rem; height: 1.4rem; border-radius: 1rem; background: #8c959f; position: relative; cursor: pointer; flex: none; margin: 0; }
label.switch input::after { content: ""; position: absolute; top: .15rem; left: .15rem; width: 1.1rem; height: 1.1rem; border-radius: 50%; background: #fff; transition: left .15s; }
label.switch input:checked { background: var(--ok); }
label.switch input:checked::after { left: 1.35rem; }
label.switch input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
form.inline { display: flex; gap: .6rem; align-items: end; margin-bottom: .8rem; }
input, select, button { font: inherit; }
input, select { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
main button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .45rem 1rem; cursor: pointer; }
main button.danger { background: var(--bad); }
.pages { display: flex; gap: 1.5rem; margin-top: .8rem; }
details summary { cursor: pointer; color: var(--muted); }
.errors q { font-family: ui-monospace, monospace; font-size: .85rem; }
.attribution { margin: .2rem 0; color: var(--bad); font-size: .85rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
form.stack p.muted { margin: -.5rem 0 0; font-size: .9rem; }
.good { color: var(--ok); }
.bad { color: var(--bad); font-weight: 600; }
caption { text-align: left; font-weight: 600; padding: .8rem 0 .3rem; }
ul.verdicts { padding-left: 1.2rem; }
ul.verdicts li { margin-bottom: .6rem; }
tr.sev-critical .severity, tr.sev-high .severity { background: var(--bad); color: #fff; border-radius: 3px; padding: 0 .35rem; }
tr.sev-medium .severity { background: #9a6700; color: #fff; border-radius: 3px; padding: 0 .35rem; }
a.button { display: inline-block; background: var(--accent); color: #fff; border-radius: 4px; padding: .45rem 1rem; text-decoration: none; }
p.actions { display: flex; gap: 1rem; align-items: center; }
dl.figures { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
h3 { font-size: 1rem; margin-top: 1.5rem; }
.muted { color: var(--muted); font-size: .85rem; }
td.actions form { display: inline-flex; gap: .3rem; margin: 0 .3rem .3rem 0; }
td.actions button { padding: .2rem .6rem; }
form.stack label.check { display: flex; gap: .4rem; font-weight: 400; align-items: center; }
tr.disabled td { color: var(--muted); }
.notice.warn { background: #fff8c5; color: #7d4e00; }
.state { display: inline-block; border-radius: 3px; padding: 0 .45rem; font-weight: 600; }
.state-up { background: var(--ok-bg); color: var(--ok); }
.state-degraded { background: #fff8c5; color: #7d4e00; }
.state-down { background: var(--bad); color: #fff; }
.state-off { background: #eaeef2; color: var(--muted); }
table.status th[scope="row"] { font-weight: 600; white-space: nowrap; }
table.status td p { margin: 0 0 .3rem; }
/* webmail: the folders beside every mail page */
.mail { display: grid; grid-template-columns: minmax(10rem, 14rem) 1fr; gap: 1.5rem; }
.mail-main { min-width: 0; }
nav.folders ul { list-style: none; margin: 0 0 1rem; padding: 0; }
nav.folders li a { display: flex; justify-content: space-between; padding: .25rem .4rem; border-radius: 4px; text-decoration: none; color: var(--fg); }
nav.folders li a[aria-current="page"] { background: #eaeef2; font-weight: 700; }
nav.folders .count { background: var(--accent); color: #fff; border-radius: 1rem; padding: 0 .5rem; font-size: .8rem; }
@media (max-width: 40rem) { .mail { grid-template-columns: 1fr; } }
/* webmail: reading a message */
dl.mail-headers { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 1rem; }
dl.mail-headers dt { font-weight: 600; color: var(--muted); }
dl.mail-headers dd { margin: 0; overflow-wrap: anywhere; }
.mail-actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
.mail-actions form { display: flex; gap: .4rem; align-items: end; margin: 0; }
.mail-actions p.mail-answer { margin: 0 1rem 0 0; display: flex; gap: .5rem; }
.mail-remote p { margin: .2rem 0; }
iframe.mail-frame { width: 100%; height: 70vh; border: 1px solid var(--line); border-radius: 4px; background: #fff; resize: vertical; }
pre.mail-text { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; line-height: 1.45; border: 1px solid var(--line); border-radius: 4px; padding: .75rem; margin: 0; }
.mail-attachments { margin-top: 1.5rem; }
/* webmail: compose */
form.compose { display: flex; flex-direction: column; gap: .5rem; max-width: 52rem; }
.compose-grid { display: grid; grid-template-columns: max-content 1fr; gap: .45rem .8rem; align-items: center; }
.compose-grid label, .compose-grid .from-label { font-weight: 600; }
.compose-grid .from { padding: .3rem 0; }
.compose-grid .hint, form.compose .hint { margin: 0; }
form.compose input[type="text"], form.compose textarea { width: 100%; box-sizing: border-box; }
form.compose textarea { font-family: ui-monospace, monospace; min-height: 18rem; }
form.compose > label { font-weight: 600; margin-top: .4rem; }
fieldset.carried { border: 1px solid #d0d7de; border-radius: 4px; }
fieldset.carried label.check { display: flex; gap: .4rem; align-items: center; }
main button.secondary { background: #eaeef2; color: var(--fg); border: 1px solid #d0d7de; }
@media (max-width: 40rem) { .compose-grid { grid-template-columns: 1fr; } }
/* webmail: the message list */
form.search { flex-wrap: wrap; }
form.search > span { display: grid; gap: .2rem; }
form.search label { font-weight: 600; }
form.search input[type="search"] { min-width: 16rem; }
.list-head { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
.list-head p { margin: .3rem 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: .4rem; align-items: end; margin: .5rem 0; }
.toolbar button { padding: .3rem .7rem; }
.toolbar .move { display: inline-flex; gap: .4rem; align-items: center; }
.toolbar .move label { font-size: .9rem; }
table.messages { table-layout: fixed; }
table.messages thead th:nth-child(1) { width: 2rem; }
table.messages thead th:nth-child(2) { width: 22%; }
table.messages thead th:nth-child(4) { width: 11.5rem; }
table.messages thead th:nth-child(5) { width: 4.5rem; }
table.messages thead th:nth-child(6) { width: 4.5rem; }
table.messages td.date { font-variant-numeric: tabular-nums; }
table.messages .clip svg { vertical-align: -2px; }
table.messages td, table.messages tbody th { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.messages tbody th { font-weight: 400; }
table.messages tr.unread td, table.messages tr.unread th { font-weight: 700; }
table.messages td.size { text-align: right; }
table.messages .marks span + span { margin-left: .25rem; }
table.messages .flag { color: #bf8700; }
table.messages .unread-mark { color: var(--accent); font-size: .7rem; }
`;
