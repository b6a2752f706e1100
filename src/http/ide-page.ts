/**
 * The GraphQL IDE page served at GET /graphql to browsers: one self-contained HTML document with
 * its script and style inline, so it works on a machine with no internet (Apollo's own landing
 * page loads its code from a CDN). It asks for a bearer token, sends queries to the same origin,
 * lists the root fields from introspection (when it is on) and shows results as plain text.
 *
 * The script never uses innerHTML: results may contain mail content, which must stay text.
 */

export const IDE_STYLE = `
:root { color-scheme: light dark; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 0; display: grid; grid-template-rows: auto 1fr; height: 100vh; }
header { display: flex; gap: .75rem; align-items: center; padding: .5rem .75rem; border-bottom: 1px solid #8884; flex-wrap: wrap; }
header h1 { font-size: 1rem; margin: 0 .5rem 0 0; }
main { display: grid; grid-template-columns: 16rem 1fr 1fr; min-height: 0; }
section { display: flex; flex-direction: column; min-height: 0; padding: .5rem; gap: .4rem; border-right: 1px solid #8884; }
label { font-size: .8rem; opacity: .8; }
textarea, pre, input { font: 13px/1.45 ui-monospace, monospace; }
textarea { flex: 1; resize: none; padding: .5rem; tab-size: 2; }
#variables { flex: 0 0 6rem; }
pre { flex: 1; margin: 0; overflow: auto; padding: .5rem; white-space: pre-wrap; word-break: break-word; border: 1px solid #8884; }
#fields { flex: 1; overflow: auto; margin: 0; padding: 0; list-style: none; font: 12px/1.5 ui-monospace, monospace; }
#fields li { cursor: pointer; padding: .1rem .25rem; }
#fields li:hover { background: #8883; }
#fields li.kind { cursor: default; font-weight: bold; margin-top: .5rem; }
#status { font-size: .85rem; opacity: .85; }
button { font: inherit; padding: .25rem .8rem; }
`;

export const IDE_SCRIPT = `
(() => {
  const $ = (id) => document.getElementById(id);
  const token = $('token'), query = $('query'), variables = $('variables'), result = $('result'), status = $('status');
  token.value = sessionStorage.getItem('postdesk.token') || '';
  query.value = sessionStorage.getItem('postdesk.query') || '{\\n  queues {\\n    name\\n  }\\n}\\n';
  variables.value = sessionStorage.getItem('postdesk.variables') || '';

  async function post(body) {
    const response = await fetch(location.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token.value.trim() },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json().catch(() => null) };
  }

  async function run() {
    sessionStorage.setItem('postdesk.token', token.value);
    sessionStorage.setItem('postdesk.query', query.value);
    sessionStorage.setItem('postdesk.variables', variables.value);
    let vars;
    try {
      vars = variables.value.trim() ? JSON.parse(variables.value) : undefined;
    } catch (error) {
      result.textContent = 'Variables are not valid JSON: ' + error.message;
      return;
    }
    status.textContent = 'running…';
    result.dataset.state = 'running';
    const started = performance.now();
    try {
      const { status: code, json } = await post({ query: query.value, variables: vars });
      status.textContent = 'HTTP ' + code + ' in ' + Math.round(performance.now() - started) + ' ms';
      result.textContent = JSON.stringify(json, null, 2);
    } catch (error) {
      status.textContent = 'request failed';
      result.textContent = String(error);
    }
    result.dataset.state = 'done';
  }

  const typeName = (t) => (t.kind === 'NON_NULL' ? typeName(t.ofType) + '!' : t.kind === 'LIST' ? '[' + typeName(t.ofType) + ']' : t.name);
  const SCHEMA = '{ __schema { queryType { fields { name args { name type { ...T } } type { ...T } } }'
    + ' mutationType { fields { name args { name type { ...T } } type { ...T } } } } }'
    + ' fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';

  async function loadSchema() {
    const list = $('fields');
    list.replaceChildren();
    const { json } = await post({ query: SCHEMA });
    const schema = json && json.data && json.data.__schema;
    if (!schema) {
      const li = document.createElement('li');
      li.textContent = (json && json.errors && json.errors[0] && json.errors[0].message) || 'could not load the schema';
      list.append(li);
      return;
    }
    for (const [kind, type] of [['query', schema.queryType], ['mutation', schema.mutationType]]) {
      if (!type) continue;
      const head = document.createElement('li');
      head.className = 'kind';
      head.textContent = kind;
      list.append(head);
      for (const field of type.fields) {
        const li = document.createElement('li');
        const args = field.args.map((a) => a.name + ': ' + typeName(a.type)).join(', ');
        li.textContent = field.name + (args ? '(' + args + ')' : '') + ': ' + typeName(field.type);
        li.title = 'insert into the query';
        li.addEventListener('click', () => {
          const at = query.selectionStart;
          query.setRangeText(field.name, at, query.selectionEnd, 'end');
          query.focus();
        });
        list.append(li);
      }
    }
  }

  $('run').addEventListener('click', run);
  $('schema').addEventListener('click', loadSchema);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') { event.preventDefault(); run(); }
  });
  query.addEventListener('keydown', (event) => {
    if (event.key === 'Tab' && !event.shiftKey) { event.preventDefault(); query.setRangeText('  ', query.selectionStart, query.selectionEnd, 'end'); }
  });
})();
`;

/** The page; `style` and `script` are inlined verbatim (the CSP allows exactly their hashes). */
export function renderIdePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>postdesk GraphQL</title>
<style>${IDE_STYLE}</style>
</head>
<body>
<header>
  <h1>postdesk GraphQL</h1>
  <label for="token">API token</label>
  <input id="token" type="password" size="40" autocomplete="off" placeholder="pd_…">
  <button id="run" type="button" title="Ctrl+Enter">Run ▶</button>
  <button id="schema" type="button">Load schema</button>
  <span id="status"></span>
</header>
<main>
  <section aria-label="schema"><label>Root fields (click to insert)</label><ul id="fields"></ul></section>
  <section aria-label="query">
    <label for="query">Query</label><textarea id="query" spellcheck="false"></textarea>
    <label for="variables">Variables (JSON)</label><textarea id="variables" spellcheck="false"></textarea>
  </section>
  <section aria-label="result"><label>Result</label><pre id="result" data-state="idle"></pre></section>
</main>
<script>${IDE_SCRIPT}</script>
</body>
</html>
`;
}
