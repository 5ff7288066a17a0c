// The admin's pages call the JSON API with a fresh App Bridge session token (embedded) or
// the demo key (demo admin). Text from the API is set with textContent, never as HTML.
const mode = document.body.dataset.mode;
const app = document.getElementById('app');
async function headers() {
  if (mode === 'demo') return { 'x-meander-demo-key': document.body.dataset.key };
  return { Authorization: 'Bearer ' + await shopify.idToken() };
}
async function api(path, options = {}) {
  const h = Object.assign({ 'content-type': 'application/json' }, await headers());
  const response = await fetch(path, Object.assign({}, options, { headers: h }));
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v; else if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child != null) node.append(child instanceof Node ? child : String(child));
  return node;
}
const card = (title, ...body) => el('div', { class: 'card' }, el('h2', {}, title), ...body);
const badge = (text, kind) => el('span', { class: 'badge ' + (kind || '') }, text);
const fmt = (x, d = 3) => (typeof x === 'number' ? x.toFixed(d) : '—');
// One banner per place: a new answer replaces the last one instead of piling up above it.
function banner(holder, kind, text) {
  holder.querySelectorAll(':scope > .banner').forEach((b) => b.remove());
  const node = el('div', { class: 'banner ' + kind, role: kind === 'ok' ? 'status' : 'alert' }, text);
  holder.prepend(node);
  return node;
}
document.querySelectorAll('[data-nav]').forEach((a) => a.addEventListener('click', async (event) => {
  event.preventDefault();
  const params = new URLSearchParams(location.search);
  if (mode !== 'demo') params.set('id_token', await shopify.idToken());
  location.href = a.getAttribute('href') + '?' + params.toString();
}));

async function onboarding() {
  const { ok, body } = await api('/admin/api/overview');
  if (!ok) return app.replaceChildren(el('div', { class: 'banner bad' }, body.message || 'failed'));
  const o = body.onboarding;
  const counts = el('div', { class: 'grid' }, ...Object.entries(o.counts).map(([k, v]) => el('div', {}, el('div', { class: 'muted' }, k), el('b', {}, v))));
  const bar = (done, total, finished) => el('progress', { max: total || 1, value: total ? done : (finished ? 1 : 0) });
  // The products phase counts products and variants together: the variants get their own line.
  const variants = (p) => (o.variants && o.variants.phase === p.kind
    ? el('div', { class: 'variants' }, el('div', {}, 'variants ', badge(o.variants.total != null ? 'done' : 'syncing', o.variants.total != null ? 'ok' : 'warn')),
      bar(o.variants.done, o.variants.total, false), el('div', { class: 'muted' }, `${o.variants.done}${o.variants.total != null ? ' / ' + o.variants.total : ''} variants`))
    : null);
  const phases = o.sync.map((p) => el('div', {},
    el('div', {}, p.kind, ' ', badge(p.status, p.status === 'succeeded' ? 'ok' : p.status === 'failed' ? 'bad' : 'warn')),
    bar(p.done, p.total, p.status === 'succeeded'),
    el('div', { class: 'muted' }, `${p.done}${p.total ? ' / ' + p.total : ''} rows`, p.rate_per_sec ? ` · ${p.rate_per_sec.toFixed(0)}/s` : '', p.eta_secs != null ? ` · ${p.eta_secs}s left` : '', p.error ? ' · ' + p.error : ''),
    variants(p)));
  const PIXEL = { not_needed: ['not needed (demo)', 'ok'], not_connected: ['not connected yet', 'warn'], connecting: ['connecting', 'warn'], connected: ['connected', 'ok'], failed: ['failed', 'bad'] };
  const [pixelText, pixelKind] = PIXEL[o.web_pixel.status] || [o.web_pixel.status, 'warn'];
  const pixel = [badge(pixelText, pixelKind), o.web_pixel.error ? el('div', { class: 'field-error' }, o.web_pixel.error) : null];
  const lists = o.list_version ? badge('ready: ' + o.list_version, 'ok') : badge(o.model_version ? 'precomputing' : 'waiting for training', 'warn');
  const blocks = () => body.theme_blocks.map((b) => el('div', {}, el('a', { href: b.url, target: '_top' }, 'Add ' + b.handle), el('span', { class: 'muted' }, ' (' + b.template + ')')));
  const next = card('Next step', el('p', { id: 'next-step', 'data-step': o.next_step.step }, o.next_step.message), ...(o.next_step.step === 'add_app_blocks' ? blocks() : []));
  app.replaceChildren(next,
    card('Install', el('div', {}, body.shop.domain, ' ', badge(body.shop.installed ? 'installed' : 'not installed', body.shop.installed ? 'ok' : 'bad'))),
    card('Catalog', counts), card('Sync', ...phases), card('Web pixel', ...pixel), card('Lists', lists),
    await emailCard(), card('Theme blocks', ...blocks()));
}

// Klaviyo: the connection (status, how it is connected, last push, last error; connect
// with Klaviyo (OAuth) or a private API key; disconnect) and the web feeds (turn on, their
// URLs and last build, rotate the key). `?klaviyo=…` is where the OAuth callback landed.
const KLAVIYO_RESULTS = { connected: ['Klaviyo is connected.', 'ok'], error: ['Klaviyo was not connected', 'bad'] };
async function emailCard() {
  const { ok, body } = await api('/admin/api/email');
  if (!ok) return card('Email (Klaviyo)', el('div', { class: 'field-error' }, body.message || 'failed'));
  const k = body.klaviyo;
  const landed = new URLSearchParams(location.search);
  const result = KLAVIYO_RESULTS[landed.get('klaviyo')];
  const banner = result ? el('div', { class: 'banner ' + result[1] }, result[0], landed.get('reason') ? ': ' + landed.get('reason') : '') : null;
  const error = el('div', { class: 'field-error' });
  const call = async (path, method = 'POST') => { const answer = await api(path, { method }); if (answer.ok) onboarding(); else error.textContent = answer.body.message || 'failed'; return answer; };
  const status = k
    ? [el('div', {}, badge(k.status, k.status === 'connected' ? 'ok' : 'warn'), ' ', el('span', { class: 'muted' }, k.connection === 'oauth' ? 'with Klaviyo (OAuth)' : 'with a private API key')),
      el('div', { class: 'muted' }, 'Last push: ', k.last_push_at || 'never', k.last_push_counts ? ' · ' + JSON.stringify(k.last_push_counts) : ''),
      k.last_error ? el('div', { class: 'field-error' }, k.last_error) : null,
      el('button', { type: 'button', onclick: () => call('/admin/api/email/klaviyo', 'DELETE') }, 'Disconnect')]
    : [el('div', { class: 'muted' }, 'Not connected.')];
  // Klaviyo's consent page cannot open inside the admin's frame: it takes the whole tab.
  const oauth = body.oauth_available
    ? el('button', { type: 'button', onclick: async () => {
      const answer = await api('/admin/api/email/klaviyo/oauth', { method: 'POST' });
      if (answer.ok) window.open(answer.body.authorize_url, '_top'); else error.textContent = answer.body.message || 'failed';
    } }, k ? 'Reconnect with Klaviyo' : 'Connect with Klaviyo')
    : null;
  const key = el('input', { type: 'password', name: 'api_key', id: 'klaviyo-key', autocomplete: 'off', placeholder: 'pk_…' });
  const connect = el('form', {}, el('label', { for: 'klaviyo-key' }, k ? 'Replace with a private API key' : 'Or a private API key'), key,
    el('button', { type: 'submit' }, 'Connect'), error);
  connect.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('/admin/api/email/klaviyo', { method: 'POST', body: JSON.stringify({ api_key: key.value }) });
    if (answer.ok) onboarding(); else error.textContent = answer.body.message || 'failed';
  });
  const feeds = body.feeds.enabled
    ? [el('h3', {}, 'Web feeds'), ...body.feeds.feeds.map((f) => el('div', {},
        el('b', {}, f.feed), ' ', f.built_at ? badge(`${f.cohorts} cohorts · ${f.items} items`, 'ok') : badge('building', 'warn'),
        el('div', {}, el('code', {}, f.url)))),
      el('button', { type: 'button', onclick: () => call('/admin/api/email/feeds/rotate') }, 'Rotate the feed key')]
    : [el('h3', {}, 'Web feeds'), el('div', { class: 'muted' }, 'New arrivals, trending and back-in-stock lists per cohort, for Klaviyo templates.'),
      el('button', { type: 'button', onclick: () => call('/admin/api/email/feeds') }, 'Turn on feeds')];
  const policy = k ? [emailSettingsForm(k), refusedRows(k), await holdoutTable()] : [];
  return card('Email (Klaviyo)', banner, ...status, oauth, connect, ...policy, ...feeds);
}
// The email policy: holdout share and mode, list length; saved over the version shown.
function emailSettingsForm(k) {
  const s = k.settings;
  const field = (name, label, input) => el('div', {}, el('label', { for: 'email-' + name }, label), input, el('div', { class: 'field-error', 'data-field': name }));
  const mode = el('select', { id: 'email-holdout_mode', name: 'holdout_mode' }, ...['relevance_only', 'no_block'].map((m) => { const o = el('option', { value: m }, m === 'no_block' ? 'no block' : 'relevance-only list'); if (m === s.holdout_mode) o.selected = true; return o; }));
  const form = el('form', { 'data-version': k.settings_version }, el('h3', {}, 'Email policy'),
    el('div', { class: 'grid' },
      field('holdout_share', 'Holdout share (0 to 0.5)', el('input', { id: 'email-holdout_share', name: 'holdout_share', type: 'number', step: '0.01', min: '0', max: '0.5', value: String(s.holdout_share) })),
      field('holdout_mode', 'The holdout gets', mode),
      field('list_len', 'Items per email list', el('input', { id: 'email-list_len', name: 'list_len', type: 'number', step: '1', min: '1', max: '20', value: String(s.list_len) }))),
    el('div', { class: 'field-error', 'data-field': 'settings' }), el('button', { type: 'submit' }, 'Save email policy'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
    const value = (name) => form.querySelector(`[name="${name}"]`).value;
    const settings = { holdout_share: Number(value('holdout_share')), holdout_mode: value('holdout_mode'), list_len: Number(value('list_len')) };
    const { ok, status, body } = await api('/admin/api/email/settings', { method: 'PUT', body: JSON.stringify({ version: Number(form.dataset.version), settings }) });
    if (ok) return onboarding();
    if (status === 422) for (const f of body.fields || []) { const slot = form.querySelector(`[data-field="${CSS.escape(f.field)}"]`); if (slot) slot.textContent = f.message; }
    else form.querySelector('[data-field="settings"]').textContent = body.message || 'failed';
  });
  return form;
}
// Rows Klaviyo refused at their last push, latest first, with its reason.
function refusedRows(k) {
  if (!k.refused_total) return null;
  return el('div', {}, el('h3', {}, `Profiles Klaviyo refused (${k.refused_total})`),
    rowsTable([['customer', (r) => r.external_id], ['reason', (r) => r.reason], ['refusals', (r) => r.attempts],
      ['next push', (r) => (r.retried ? 'tries again' : 'skipped until the list changes')]], k.refused_rows, ''));
}
// Treatment against holdout since assignment: counts, rates per profile, and the interval
// of the difference.
async function holdoutTable() {
  const { ok, body } = await api('/admin/api/email/holdout');
  if (!ok) return el('div', { class: 'field-error' }, body.message || 'failed');
  const interval = (r) => (r.difference == null ? '' : `${fmt(r.difference, 4)} [${fmt(r.difference_low, 4)}, ${fmt(r.difference_high, 4)}]`);
  return el('div', {}, el('h3', {}, 'Holdout comparison'),
    el('p', { class: 'muted' }, `Treatment minus holdout with ${body.confidence * 100}% intervals; revenue in ${body.currency}; an order is email-assisted within ${body.assisted_window_days} days of an email click.`),
    rowsTable([['', (r) => r.metric.replaceAll('_', ' ')], ['treatment', (r) => fmt(r.treatment, 4)], ['holdout', (r) => fmt(r.holdout, 4)], ['difference [interval]', interval]], body.rows, 'No profiles pushed yet.'),
    el('button', { type: 'button', onclick: () => download('/admin/api/email/holdout.csv', 'meander-email-holdout.csv') }, 'Download CSV'));
}

let surfaces = [];
function settingsForm(s) {
  const v = s.settings;
  const input = (name, value, type = 'number', step = '0.01') => {
    const attrs = { name, type, step };
    // Weights arrive as f32 widened to f64 (0.20000000298…): show them as typed.
    if (type === 'checkbox') { if (value) attrs.checked = ''; } else attrs.value = value == null ? '' : typeof value === 'number' ? String(Number(value.toPrecision(6))) : value;
    return el('div', {}, el('label', {}, name), el('input', attrs), el('div', { class: 'field-error', 'data-field': name }));
  };
  const form = el('form', { 'data-surface': s.surface, 'data-version': s.version },
    el('div', { class: 'grid' },
      ...Object.entries(v.weights).map(([k, w]) => input('weights.' + k, w)),
      input('exploration.enabled', v.exploration.enabled, 'checkbox'), input('exploration.share', v.exploration.share),
      input('brand_cap', v.brand_cap, 'number', '1'), input('seller_share', v.seller_share),
      input('in_stock_only', v.in_stock_only, 'checkbox'), input('list_length', v.list_length, 'number', '1'),
      ...Object.entries(v.module_titles).map(([m, t]) => input('module_titles.' + m, t, 'text'))),
    el('div', { class: 'field-error', 'data-field': 'weights' }), el('div', { class: 'field-error', 'data-field': 'settings' }),
    el('button', { type: 'submit' }, 'Save'), ' ', el('span', { class: 'muted version' }, 'version ' + s.version));
  form.addEventListener('submit', async (event) => { event.preventDefault(); await save(form); });
  return card(s.surface, form);
}
function readForm(form) {
  const doc = { weights: {}, exploration: {}, module_titles: {} };
  for (const i of form.querySelectorAll('input')) {
    const value = i.type === 'checkbox' ? i.checked : i.type === 'text' ? i.value : (i.value === '' ? null : Number(i.value));
    const [a, b] = i.name.split('.');
    if (b) doc[a][b] = value; else doc[a] = value;
  }
  return doc;
}
async function save(form) {
  form.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
  const { ok, status, body } = await api('/admin/api/settings/' + form.dataset.surface, { method: 'PUT', body: JSON.stringify({ version: Number(form.dataset.version), settings: readForm(form) }) });
  banner(form, ok ? 'ok' : 'bad', ok ? 'Saved as version ' + body.version + '; the storefront follows within a minute.' : body.message);
  if (ok) { form.dataset.version = body.version; form.querySelector('.version').textContent = 'version ' + body.version; return; }
  if (status === 422) for (const f of body.fields || []) { const slot = form.querySelector(`[data-field="${CSS.escape(f.field)}"]`); if (slot) slot.textContent = f.message; }
}
async function settings() {
  const { ok, body } = await api('/admin/api/settings');
  if (!ok) return app.replaceChildren(el('div', { class: 'banner bad' }, body.message || 'failed'));
  surfaces = body.surfaces;
  app.replaceChildren(...surfaces.map(settingsForm));
}

function moduleTable(modules) {
  return modules.map((m) => el('div', {}, el('h3', {}, m.title),
    el('table', {}, el('tr', {}, ...['#', 'product', 'score', 'relevance', 'intent', 'margin', 'inventory', 'novelty', 'step'].map((h) => el('th', {}, h))),
      ...m.items.map((i) => el('tr', {}, el('td', {}, i.position), el('td', {}, i.title || i.product_id), el('td', { class: 'num' }, fmt(i.score)),
        ...['relevance', 'intent', 'margin', 'inventory', 'novelty'].map((c) => el('td', { class: 'num' }, fmt(i.components[c], 2))),
        el('td', {}, i.note || i.step, i.explored ? ` (p=${fmt(i.propensity, 2)})` : '')))),
    ...(m.notes || []).map((n) => el('div', { class: 'field-error' }, n))));
}
// Off-policy preflight: the draft's click rate estimated on the surface's logged answers.
async function preflightCard(request) {
  const { ok, body } = await api('/admin/api/preflight', { method: 'POST', body: JSON.stringify({ surface: request.surface, draft: request.draft, draft_rule: request.draft_rule }) });
  if (!ok) return card('Estimated on logged traffic', el('p', { class: 'muted' }, body.message));
  if (!body.live) return card('Estimated on logged traffic', el('p', { class: 'muted' }, `No ${body.surface} answers in the last ${body.days} days to estimate from yet.`));
  const pct = (x) => (x * 100).toFixed(2) + '%';
  const row = (name, e) => el('tr', {}, el('td', {}, name), el('td', { class: 'num' }, pct(e.snips)), el('td', { class: 'num' }, `${pct(e.snips_interval[0])} – ${pct(e.snips_interval[1])}`),
    el('td', { class: 'num' }, pct(e.ips)), el('td', { class: 'num' }, pct(e.dr)), el('td', { class: 'num' }, `${e.matched} of ${body.live.shown}`), el('td', { class: 'num' }, fmt(e.effective_sample_size, 0)));
  return card('Estimated on logged traffic',
    el('p', { class: 'muted' }, `Live: ${pct(body.live.ctr)} of ${body.live.shown} shown items clicked, over the last ${body.live.answers} ${body.surface} answers (${body.days} days). Each answer served again under the saved settings and the draft.`),
    el('table', { id: 'preflight' }, el('tr', {}, ...['settings', 'CTR (SNIPS)', '95% interval', 'IPS', 'doubly robust', 'replay matched', 'effective sample'].map((h) => el('th', {}, h))),
      row('saved', body.current), row('draft', body.draft)),
    el('p', { class: 'muted' }, 'The saved settings replayed should match nearly every shown item; fewer means the lists changed since (a retrain, a rule saved since, answers served under an experiment\'s arm) and every estimate here is rougher.'),
    ...[['Saved settings', body.current.warning], ['Draft', body.draft.warning]].filter(([, w]) => w).map(([who, w]) => el('div', { class: 'banner bad' }, `${who}: ${w}`)));
}
async function preview() {
  if (!surfaces.length) { const r = await api('/admin/api/settings'); surfaces = r.ok ? r.body.surfaces : []; }
  // Category pages are previewed on their own endpoint, not here: only the tuned surfaces.
  const select = el('select', { name: 'surface', id: 'preview-surface' }, ...surfaces.map((s) => el('option', { value: s.surface }, s.surface)));
  const product = el('input', { type: 'text', id: 'preview-product', placeholder: 'product id (pdp, cart)' });
  const [recent, saved] = await Promise.all([api('/admin/api/shoppers?limit=20'), api('/admin/api/rules')]);
  const who = (s) => (s.customer_id != null ? `customer ${s.customer_id}` : `browser ${s.anonymous_id.slice(0, 12)}`);
  const shopper = el('select', { name: 'shopper', id: 'preview-shopper' }, el('option', { value: '' }, 'no shopper (anonymous)'),
    ...(recent.ok ? recent.body.shoppers : []).map((s) => el('option', { value: JSON.stringify(s.customer_id != null ? { customer_id: s.customer_id } : { anonymous_id: s.anonymous_id }) },
      `${who(s)} · ${s.events} events, last ${new Date(s.last_seen).toLocaleString()}`)));
  const labelled = (id, text, input) => el('div', {}, el('label', { for: id }, text), input);
  const draftHolder = el('div', {});
  const output = el('div', {});
  const showDraft = () => { const s = surfaces.find((x) => x.surface === select.value); draftHolder.replaceChildren(settingsForm(s)); draftHolder.querySelector('button').textContent = 'Save this draft'; };
  select.addEventListener('change', showDraft); showDraft();
  const useRule = el('input', { type: 'checkbox', id: 'use-rule' });
  // The unsaved rule is a new one, or an edit of a saved one it replaces in the draft.
  const savedRules = saved.ok ? saved.body.rules : [];
  const ruleChoice = el('select', { id: 'preview-rule' }, el('option', { value: '' }, 'a new rule'),
    ...savedRules.map((r) => el('option', { value: r.id }, `rule ${r.id}: ${describe(r.rule)}`)));
  const draftRuleForm = (r) => {
    const form = ruleForm(r, async () => { useRule.checked = true; await run(); });
    form.querySelector('button[type=submit]').textContent = 'Preview with this rule';
    return form;
  };
  let ruleHolder = draftRuleForm(null);
  ruleChoice.addEventListener('change', () => {
    const next = draftRuleForm(savedRules.find((r) => String(r.id) === ruleChoice.value) || null);
    ruleHolder.replaceWith(next);
    ruleHolder = next;
  });
  const run = async () => {
    const form = draftHolder.querySelector('form');
    const request = { surface: select.value, draft: readForm(form) };
    if (useRule.checked) request.draft_rule = { rule: readRule(ruleHolder) };
    if (useRule.checked && ruleChoice.value) request.draft_rule.id = Number(ruleChoice.value);
    if (product.value) request.product_id = Number(product.value);
    if (shopper.value) Object.assign(request, JSON.parse(shopper.value));
    const { ok, body } = await api('/admin/api/preview', { method: 'POST', body: JSON.stringify(request) });
    if (!ok) return output.replaceChildren(el('div', { class: 'banner bad' }, body.message), ...(body.fields || []).map((f) => el('div', { class: 'field-error' }, f.field + ': ' + f.message)));
    const forWhom = body.shopper ? (body.shopper.customer_id != null ? `customer ${body.shopper.customer_id}` : `browser ${body.shopper.anonymous_id}`) : 'an anonymous shopper';
    output.replaceChildren(el('p', { class: 'muted' }, `Lists for ${forWhom} on ${body.surface}.`),
      ...body.warnings.map((w) => el('div', { class: 'banner warn' }, 'The unsaved rule does nothing: ' + w.message + '.')),
      el('div', { class: 'columns' }, card('Saved settings and rules', ...moduleTable(body.current)), card('Draft', ...moduleTable(body.draft || []))));
    output.prepend(await preflightCard(request));
  };
  app.replaceChildren(card('Preview', el('div', { class: 'grid' }, labelled('preview-surface', 'Surface', select), labelled('preview-product', 'Product (pdp, cart)', product),
    labelled('preview-shopper', 'Shopper (recent, with events)', shopper)), el('p', {}, el('button', { onclick: run, id: 'run-preview' }, 'Preview'))), draftHolder,
    card('Unsaved rule', labelled('preview-rule', 'Rule', ruleChoice), el('label', { for: 'use-rule' }, useRule, ' Include this rule in the draft'), ruleHolder), output);
}

// Discovery dashboard: the server renders the charts as SVG (parsed as SVG, not HTML), the
// summary per surface, and the CSV exports behind the same authentication.
const svgNode = (text) => document.importNode(new DOMParser().parseFromString(text, 'image/svg+xml').documentElement, true);
async function download(path, name) {
  const response = await fetch(path, { headers: await headers() });
  if (!response.ok) return;
  const link = el('a', { href: URL.createObjectURL(await response.blob()), download: name });
  link.click();
  URL.revokeObjectURL(link.href);
}
/** A table of `rows` with `columns` as `[heading, cell(row)]`; `empty` when there are none. */
function rowsTable(columns, rows, empty, rowClass = () => '') {
  if (!rows.length) return el('p', { class: 'muted' }, empty);
  return el('table', {}, el('tr', {}, ...columns.map(([h]) => el('th', {}, h))),
    ...rows.map((r) => el('tr', { class: rowClass(r) }, ...columns.map(([, f]) => el('td', {}, f(r))))));
}
async function discovery() {
  const days = new URLSearchParams(location.search).get('days') || '28';
  const [{ ok, body }, weekly] = await Promise.all([api('/admin/api/metrics?days=' + encodeURIComponent(days)), api('/admin/api/metrics/weekly')]);
  if (!ok) return app.replaceChildren(el('div', { class: 'banner bad' }, body.message || 'failed'));
  const pct = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');
  const money = (x) => (typeof x === 'number' ? x.toFixed(2) + ' ' + body.currency : x);
  const csv = (table) => el('button', { onclick: () => download(`/admin/api/metrics.csv?days=${days}&table=${table}`, `meander-${table}.csv`) }, 'Download ' + table.replace('_', ' ') + ' CSV');
  const columns = [['surface', (s) => s.surface], ['impressions', (s) => s.impressions], ['CTR', (s) => pct(s.ctr)],
    ['add to cart', (s) => pct(s.add_to_cart_rate)], ['catalog exposure', (s) => pct(s.catalog_exposure)],
    ['clicks on new products', (s) => pct(s.click_discovery_rate)], ['assisted orders', (s) => s.assisted_orders],
    ['assisted revenue', (s) => money(s.assisted_revenue)], ['attributed revenue', (s) => money(s.attributed_revenue)]];
  const table = rowsTable(columns, body.summary, 'No recommendations were shown in this period yet: the per-surface table and charts fill in the day after shoppers see the blocks.');
  const moduleColumns = [['surface / module', (s) => s.surface], ...columns.slice(1, 5), ...columns.slice(6)];
  const modules = rowsTable(moduleColumns, body.modules, 'No module rows yet.');
  const review = weekly.ok
    ? card('Weekly review', ...weekly.body.sentences.map((line) => el('p', {}, line)), el('p', {}, csv('weekly')))
    : card('Weekly review', el('div', { class: 'banner bad' }, weekly.body.message || 'failed'));
  const retention = rowsTable([['came back within', (r) => r.window_days + ' days'], ['shoppers', (r) => r.shoppers], ['share', (r) => pct(r.share)]],
    body.retention, '');
  const cohorts = rowsTable([['first order', (c) => c.month], ['customers', (c) => c.customers],
    ['LTV 60 days', (c) => money(c.ltv_60d)], ['LTV 90 days', (c) => money(c.ltv_90d)], ['LTV 180 days', (c) => money(c.ltv_180d)]],
  body.cohorts, 'No orders with a customer or browser yet.');
  const next = rowsTable([['month of the order', (n) => n.month], ['repeat orders', (n) => n.repeats], ['median days to the next', (n) => n.median_days.toFixed(1)]],
    body.next_purchase, 'No customer has ordered twice yet.');
  const starved = body.bias.filter((g) => g.starved);
  const bias = rowsTable([['group', (g) => g.dimension === 'brand' ? 'brand' : 'price band'], ['name', (g) => g.group], ['products', (g) => g.products],
    ['catalog share', (g) => pct(g.catalog_share)], ['exposure share', (g) => pct(g.exposure_share)], ['sales share', (g) => pct(g.sales_share)],
    ['', (g) => (g.starved ? badge('starved', 'bad') : '')]], body.bias, 'No products yet.', (g) => (g.starved ? 'starved' : ''));
  app.replaceChildren(
    review,
    card(`Discovery, ${body.from} to ${body.to}`, el('p', { class: 'muted' }, `${body.rolled_up_days} days rolled up (nightly, UTC). Definitions: docs/METRICS.md.`),
      table, el('p', {}, csv('summary'), ' ', csv('daily')), el('h3', {}, 'Per module'), modules, el('p', {}, csv('modules'))),
    card('Repeat visits', el('p', { class: 'muted' }, 'Shoppers seen on a day of the period who came back within the window; a day counts once its window has passed.'), retention, el('p', {}, csv('retention'))),
    card('Cohorts by first-order month', el('p', { class: 'muted' }, 'Revenue per customer within N days of their first order; "incomplete" until every customer of the month has had N days.'), cohorts, el('p', {}, csv('cohorts')),
      el('h3', {}, 'Time to next purchase'), next, el('p', {}, csv('next_purchase'))),
    card('Exposure by brand and price band', starved.length
      ? el('div', { class: 'banner bad' }, `${starved.length} group(s) starved: shown less than half as often as their share of the catalog.`)
      : el('p', { class: 'muted' }, 'No group starved (shown less than half as often as its share of the catalog, with 5 or more products).'), bias, el('p', {}, csv('bias'))),
    el('div', { class: 'charts' }, ...body.charts.map((c) => card(c.title, svgNode(c.svg)))));
}

// Merchant rules: the list with what each matches, a form to add or edit one, the audit log.
const ACTIONS = ['pin', 'exclude', 'boost', 'bury'];
const TARGETS = { product: 'product_id', collection: 'collection_id', tag: 'tag', vendor: 'vendor', category: 'category_id', price_band: null };
function describe(r) {
  const a = r.action;
  const what = a.kind === 'pin' ? `Pin to slot ${a.slot}` : a.kind === 'exclude' ? 'Exclude' : `${a.kind === 'boost' ? 'Boost' : 'Bury'} by ${a.amount}`;
  const m = r.match;
  const target = m.kind === 'price_band' ? `price ${m.min_minor ?? '…'}–${m.max_minor ?? '…'}` : `${m.kind} ${m[TARGETS[m.kind]]}`;
  const when = r.starts_at || r.ends_at ? ` · ${r.starts_at || '…'} → ${r.ends_at || '…'}` : '';
  return `${what} · ${target} · ${r.surface || 'all surfaces'}${when}`;
}
/** What the rule form's fields say to a merchant (the field names stay the API's). */
const RULE_LABELS = {
  'action.kind': 'Action', 'action.slot': 'Slot (pin)', 'action.amount': 'Score shift, up to 0.3 (boost, bury)',
  'match.kind': 'Match by', 'match.value': 'Product, collection, tag, vendor or category',
  'match.min_minor': 'Lowest price, in cents (price band)', 'match.max_minor': 'Highest price, in cents (price band)',
  surface: 'Surface', starts_at: 'Starts (optional)', ends_at: 'Ends (optional)',
};
function ruleForm(saved, onSubmit) {
  const r = saved ? saved.rule : { action: { kind: 'pin', slot: 2 }, match: { kind: 'product' } };
  const field = (name, input) => el('div', {}, el('label', { for: 'rule-' + name }, RULE_LABELS[name] || name), input, el('div', { class: 'field-error', 'data-field': name }));
  const select = (name, options, value) => el('select', { id: 'rule-' + name, name }, ...options.map((o) => { const opt = el('option', { value: o }, o || 'all surfaces'); if (o === value) opt.selected = true; return opt; }));
  const input = (name, value, type = 'text') => el('input', { id: 'rule-' + name, name, type, value: value == null ? '' : String(value) });
  const m = r.match;
  const local = (t) => (t ? t.slice(0, 16) : '');
  const form = el('form', { class: 'rule-form' },
    el('div', { class: 'grid' },
      field('action.kind', select('action.kind', ACTIONS, r.action.kind)),
      field('action.slot', input('action.slot', r.action.slot, 'number')),
      field('action.amount', input('action.amount', r.action.amount, 'number')),
      field('match.kind', select('match.kind', Object.keys(TARGETS), m.kind)),
      field('match.value', input('match.value', TARGETS[m.kind] ? m[TARGETS[m.kind]] : '')),
      field('match.min_minor', input('match.min_minor', m.min_minor, 'number')),
      field('match.max_minor', input('match.max_minor', m.max_minor, 'number')),
      // Category pages take rules but have no settings of their own, so they are not in `surfaces`.
      field('surface', select('surface', ['', ...surfaces.map((s) => s.surface), 'category'], r.surface || '')),
      field('starts_at', input('starts_at', local(r.starts_at), 'datetime-local')),
      field('ends_at', input('ends_at', local(r.ends_at), 'datetime-local'))),
    el('div', { class: 'field-error', 'data-field': 'match' }), el('div', { class: 'field-error', 'data-field': 'match.product_id' }),
    el('div', { class: 'field-error', 'data-field': 'match.collection_id' }), el('div', { class: 'field-error', 'data-field': 'rule' }),
    el('button', { type: 'submit' }, saved ? `Save rule ${saved.id}` : 'Add rule'));
  form.querySelector('[name="action.amount"]').step = '0.01';
  form.addEventListener('submit', async (event) => { event.preventDefault(); await onSubmit(form); });
  return form;
}
function readRule(form) {
  const v = (name) => form.querySelector(`[name="${name}"]`).value;
  const num = (name) => (v(name) === '' ? null : Number(v(name)));
  const kind = v('action.kind');
  const action = kind === 'pin' ? { kind, slot: num('action.slot') } : kind === 'exclude' ? { kind } : { kind, amount: num('action.amount') };
  const mk = v('match.kind');
  const match = { kind: mk };
  if (mk === 'price_band') { match.min_minor = num('match.min_minor'); match.max_minor = num('match.max_minor'); } else {
    const key = TARGETS[mk];
    match[key] = key.endsWith('_id') && mk !== 'category' ? Number(v('match.value')) : v('match.value');
  }
  const time = (name) => (v(name) ? new Date(v(name)).toISOString() : null);
  return { action, match, surface: v('surface') || null, starts_at: time('starts_at'), ends_at: time('ends_at') };
}
function showErrors(form, body) {
  for (const f of body.fields || []) {
    const slot = form.querySelector(`[data-field="${CSS.escape(f.field)}"]`) || form.querySelector('[data-field="rule"]');
    slot.textContent = f.message;
  }
}
async function rules(message) {
  if (!surfaces.length) { const r = await api('/admin/api/settings'); surfaces = r.ok ? r.body.surfaces : []; }
  const [{ ok, body }, audit] = await Promise.all([api('/admin/api/rules'), api('/admin/api/audit?limit=50')]);
  if (!ok) return app.replaceChildren(el('div', { class: 'banner bad' }, body.message || 'failed'));
  const note = el('div', {}, message ? el('div', { class: 'banner ' + message.kind }, message.text) : null);
  const editor = el('div', {});
  const submit = (saved) => async (form) => {
    form.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
    const rule = readRule(form);
    const answer = saved
      ? await api('/admin/api/rules/' + saved.id, { method: 'PUT', body: JSON.stringify({ version: saved.version, rule }) })
      : await api('/admin/api/rules', { method: 'POST', body: JSON.stringify({ rule }) });
    const done = answer.body;
    if (answer.ok && done.warnings.length) return rules({ kind: 'warn', text: `Rule ${done.id} saved (version ${done.version}), but it does nothing: ${done.warnings.map((w) => w.message).join('; ')}. The storefront ignores it until it matches an active product.` });
    if (answer.ok) return rules({ kind: 'ok', text: `Rule ${done.id} saved (version ${done.version}): ${done.status}. The storefront follows within a minute.` });
    banner(form, 'bad', done.message || 'failed');
    showErrors(form, done);
  };
  const edit = (saved) => editor.replaceChildren(card(saved ? `Edit rule ${saved.id}` : 'Add a rule', ruleForm(saved, submit(saved))));
  const remove = async (saved) => {
    const answer = await api(`/admin/api/rules/${saved.id}?version=${saved.version}`, { method: 'DELETE' });
    rules(answer.ok ? { kind: 'ok', text: `Rule ${saved.id} deleted.` } : { kind: 'bad', text: answer.body.message || 'failed' });
  };
  const rows = body.rules.map((r) => el('tr', { 'data-rule': r.id }, el('td', {}, r.id), el('td', {}, describe(r.rule)),
    el('td', {}, badge(r.status, r.active ? 'ok' : 'warn')),
    el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => edit(r) }, 'Edit'), ' ',
      el('button', { type: 'button', class: 'secondary', onclick: () => remove(r) }, 'Delete'))));
  const list = body.rules.length
    ? el('table', {}, el('tr', {}, ...['#', 'rule', 'status', ''].map((h) => el('th', {}, h))), ...rows)
    : el('p', { class: 'muted' }, 'No rules yet: pin, exclude, boost or bury products per surface.');
  const entries = audit.ok ? audit.body.entries : [];
  const change = (e) => (e.before && e.after ? 'changed' : e.after ? 'created' : 'deleted');
  const log = entries.length
    ? el('table', { id: 'audit' }, el('tr', {}, ...['when', 'who', 'what', ''].map((h) => el('th', {}, h))),
      ...entries.map((e) => el('tr', {}, el('td', {}, new Date(e.at).toLocaleString()), el('td', {}, e.actor), el('td', {}, `${e.action} · ${e.subject}`),
        el('td', {}, el('details', {}, el('summary', {}, change(e)), el('pre', {}, JSON.stringify({ before: e.before, after: e.after }, null, 1)))))))
    : el('p', { class: 'muted' }, 'No changes yet.');
  edit(null);
  app.replaceChildren(note, card('Rules', list), editor, card('Audit log', log));
}

// Experiments: the list with each arm's share and policy, start and stop, a form with two
// common designs, and per arm the rates with their intervals and the sequential decision.
const POLICY_NAMES = { current: 'current settings', relevance_only: 'relevance only', no_module: 'no module (holdout)', settings: 'custom settings' };
const DESIGNS = {
  diversified: { label: 'Diversified (current) vs relevance only, 50/50', arms: [['control', 50, 'current'], ['relevance_only', 50, 'relevance_only']] },
  holdout: { label: 'Holdout: 10 % see no module', arms: [['control', 90, 'current'], ['holdout', 10, 'no_module']] },
};
const pctRange = (r) => `${(r.rate * 100).toFixed(2)}% [${(r.interval.low * 100).toFixed(2)}, ${(r.interval.high * 100).toFixed(2)}]`;
function armResults(found) {
  const { results } = found;
  const major = 10 ** found.currency_exponent;
  const money = (minor) => `${(minor / major).toFixed(2)}`;
  const decision = (look) => look.decision.replace(/_/g, ' ');
  const vs = (a, key) => (a.vs_control ? `${(a.vs_control[key].difference * 100).toFixed(2)} pts · ${decision(a.vs_control[key])}` : 'control');
  const vsMoney = (a) => (a.vs_control ? `${money(a.vs_control.revenue_per_session.difference)} · ${decision(a.vs_control.revenue_per_session)}` : 'control');
  const revenue = (r) => `${money(r.mean)} [${money(r.interval.low)}, ${money(r.interval.high)}]`;
  return el('table', {}, el('tr', {}, ...['arm', 'share', 'shoppers', 'CTR [interval]', 'vs control', 'add to cart [interval]', 'vs control', `revenue per session, ${found.currency} [interval]`, 'vs control'].map((h) => el('th', {}, h))),
    ...results.arms.map((a) => el('tr', {}, el('td', {}, a.name, a.stopped ? ' ' : '', a.stopped ? badge('stopped: ' + a.stopped.reason, 'bad') : ''),
      el('td', { class: 'num' }, a.share + '%'), el('td', { class: 'num' }, a.shoppers), el('td', { class: 'num' }, pctRange(a.ctr)),
      el('td', {}, vs(a, 'ctr')), el('td', { class: 'num' }, pctRange(a.add_to_cart)), el('td', {}, vs(a, 'add_to_cart')),
      el('td', { class: 'num' }, revenue(a.revenue_per_session)), el('td', {}, vsMoney(a)))));
}
// Customer value per arm: revenue per customer within 60/90/180 days of their assignment.
function customerValue(found) {
  const major = 10 ** found.currency_exponent;
  const money = (minor) => (minor / major).toFixed(2);
  const cell = (w) => (w.customers ? `${money(w.revenue_per_customer)} [${money(w.interval.low)}, ${money(w.interval.high)}] (${w.customers})` : 'not complete yet');
  const vs = (w) => (w.vs_control ? ` · ${w.vs_control.difference >= 0 ? '+' : ''}${money(w.vs_control.difference)} vs control` : '');
  const days = found.customer_value[0]?.windows.map((w) => w.days) || [];
  return el('div', {}, el('h3', {}, `Customer value per arm (${found.currency} per customer after assignment)`),
    el('table', {}, el('tr', {}, el('th', {}, 'arm'), el('th', {}, 'customers'), ...days.map((d) => el('th', {}, `${d} days [interval] (customers)`))),
      ...found.customer_value.map((a) => el('tr', {}, el('td', {}, a.arm), el('td', { class: 'num' }, a.customers),
        ...a.windows.map((w) => el('td', { class: 'num' }, cell(w) + vs(w)))))));
}
async function experimentCard(item, reload) {
  const e = item.experiment;
  const act = (verb) => async () => {
    const { ok, body } = await api(`/admin/api/experiments/${e.id}/${verb}`, { method: 'POST', body: '{}' });
    if (!ok) return message.replaceChildren(el('div', { class: 'banner bad' }, body.message));
    reload().catch((err) => message.replaceChildren(el('div', { class: 'banner bad' }, String(err))));
  };
  const message = el('div', {});
  const arms = e.arms.map((a) => `${a.name} ${a.share}% (${POLICY_NAMES[a.policy.kind] || a.policy.kind})`).join(' · ');
  const buttons = e.status === 'draft' ? [el('button', { onclick: act('start') }, 'Start'), ' ', el('button', { onclick: act('stop') }, 'Discard')]
    : e.status === 'running' ? [el('button', { onclick: act('stop') }, 'Stop')] : [];
  const parts = [el('div', {}, badge(e.status, e.status === 'running' ? 'ok' : 'warn'), ` ${e.surface}${e.module ? ' · ' + e.module : ''} · ${arms}`),
    el('div', { class: 'muted' }, `Needs about ${item.sample_size_per_arm ?? '?'} impressions per arm to find a ${(e.design.min_effect * 100).toFixed(0)} % change in CTR.`),
    e.stop_reason ? el('div', { class: 'muted' }, 'Stopped: ' + e.stop_reason) : null, message, el('p', {}, ...buttons)];
  if (e.status !== 'draft') {
    const { ok, body } = await api(`/admin/api/experiments/${e.id}/results`);
    parts.push(ok ? armResults(body) : el('div', { class: 'field-error' }, body.message));
    if (ok) parts.push(el('p', {}, el('button', { onclick: () => download(`/admin/api/experiments/${e.id}/results.csv`, `meander-experiment-${e.id}.csv`) }, 'Download results CSV')));
    if (ok && body.results.fallback_impressions) parts.push(el('div', { class: 'muted' }, `${body.results.fallback_impressions} impressions fell back to the control (an arm stopped or no longer valid).`));
    if (ok) body.arm_problems.forEach((p) => parts.push(el('div', { class: 'field-error' }, `Arm ${p.arm} no longer validates; its shoppers get the control.`)));
    if (ok) parts.push(customerValue(body));
    if (ok && body.daily.length) parts.push(el('h3', {}, 'Per arm and day'), el('div', { class: 'charts' }, ...body.daily.map((c) => card(c.title, svgNode(c.svg)))));
    else if (ok) parts.push(el('p', { class: 'muted' }, 'Daily charts per arm appear after the nightly rollup of the first day the experiment ran.'));
  }
  return card(e.name, ...parts);
}
async function experiments() {
  const { ok, body } = await api('/admin/api/experiments');
  if (!ok) return app.replaceChildren(el('div', { class: 'banner bad' }, body.message || 'failed'));
  const name = el('input', { type: 'text', id: 'experiment-name', placeholder: 'name, e.g. pdp diversity' });
  const surface = el('select', { id: 'experiment-surface' }, ...['pdp', 'home', 'cart'].map((s) => el('option', { value: s }, s)));
  const design = el('select', { id: 'experiment-design' }, ...Object.entries(DESIGNS).map(([k, d]) => el('option', { value: k }, d.label)));
  const result = el('div', {});
  const create = async (event) => {
    event.preventDefault();
    const arms = DESIGNS[design.value].arms.map(([n, share, kind]) => ({ name: n, share, policy: { kind } }));
    const response = await api('/admin/api/experiments', { method: 'POST', body: JSON.stringify({ name: name.value, surface: surface.value, arms }) });
    if (!response.ok) return result.replaceChildren(el('div', { class: 'banner bad' }, response.body.message), ...(response.body.fields || []).map((f) => el('div', { class: 'field-error' }, f.field + ': ' + f.message)));
    experiments();
  };
  const form = el('form', { class: 'experiment-form', onsubmit: create }, el('div', { class: 'grid' },
    el('label', { for: 'experiment-name' }, 'Name', name), el('label', { for: 'experiment-surface' }, 'Surface', surface), el('label', { for: 'experiment-design' }, 'Design', design)),
    el('p', {}, el('button', { type: 'submit' }, 'Create draft')), result);
  const cards = await Promise.all(body.experiments.map((item) => experimentCard(item, experiments)));
  app.replaceChildren(card('New experiment', el('p', { class: 'muted' }, 'Shoppers are assigned by a salted hash of their id and keep their arm across sessions and, once logged in, devices. Results use an always-valid test: look as often as you like.'), form),
    ...(cards.length ? cards : [card('Experiments', el('p', {}, 'None yet.'))]));
}

({ onboarding, settings, preview, rules, experiments, discovery })[document.body.dataset.page]().catch((e) => app.replaceChildren(el('div', { class: 'banner bad' }, String(e))));
