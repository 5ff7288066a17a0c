// The theme blocks' script (extension/meander-recs/assets/meander-recs.js): request sharing,
// the proxied URL, card selection and the click event POST /proxy/events stores.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const blocks = require('../meander-recs/assets/meander-recs.js');

const ids = { anonymousId: 'anon 1', sessionId: 'sess-1' };

test('blocks on one product page share one request sized for the largest', () => {
  const groups = blocks.groupBlocks([
    { surface: 'pdp', productId: '42', limit: 4, modules: ['you_may_also_like'] },
    { surface: 'pdp', productId: '42', limit: 8, modules: ['complete_the_look'] },
    { surface: 'cart', productId: '', limit: 3, modules: ['accessories'] },
  ]);

  assert.deepEqual(
    groups.map((g) => [g.surface, g.productId, g.limit, g.blocks.length]),
    [
      ['pdp', '42', 8, 2],
      ['cart', '', 3, 1],
    ],
  );
  assert.deepEqual(groups[0].modules, ['you_may_also_like', 'complete_the_look']);
});

test('the recommendations URL goes through the app proxy with the shopper ids', () => {
  const url = blocks.recsUrl(
    { surface: 'pdp', productId: '42', limit: 99, modules: ['you_may_also_like', 'complete_the_look'] },
    ids,
    'n1',
  );
  const home = blocks.recsUrl({ surface: 'home', productId: '', limit: 8 }, ids, 'n2');

  assert.equal(
    url,
    '/apps/meander/recs?surface=pdp&product_id=42&limit=24&modules=you_may_also_like%2Ccomplete_the_look&format=liquid&session_id=sess-1&anonymous_id=anon%201&nonce=n1',
  );
  assert.ok(!home.includes('product_id'), home);
  assert.ok(!home.includes('modules'), 'no module filter when the blocks name none');
  assert.ok(!home.includes('cart'), home);
});

test('the cart block asks for the complements of every cart line', () => {
  const url = blocks.recsUrl(
    { surface: 'cart', productId: '', cart: '11,12', limit: 4, modules: ['accessories'] },
    ids,
    'n3',
  );
  assert.ok(url.startsWith('/apps/meander/recs?surface=cart&cart=11%2C12&limit=4'), url);
});

test('a block takes its modules in order, up to its limit, each product once', () => {
  const card = (productId, position) => ({ productId, position, recId: 'r' });
  const byModule = {
    you_may_also_like: [card('1', 1), card('2', 2)],
    similar_items: [card('2', 3), card('3', 4), card('4', 5)],
  };

  const picked = blocks.pickCards(byModule, ['you_may_also_like', 'similar_items', 'missing'], 3);

  assert.deepEqual(picked.map((c) => c.productId), ['1', '2', '3']);
});

test('before a shop has signals a block shows the cold-start module', () => {
  const card = (productId, position) => ({ productId, position, recId: 'r' });
  const byModule = { popular_and_new: [card('7', 1), card('8', 2)] };

  const picked = blocks.pickCards(byModule, ['for_you'], 4);

  assert.deepEqual(picked.map((c) => c.productId), ['7', '8']);
});

test('a click carries the rec id, product and position', () => {
  const event = blocks.clickEvent(
    { recId: 'rec-9', productId: '9007199254740993', position: '3' },
    'pdp',
    ids,
    new Date('2026-11-20T10:00:00Z'),
  );

  assert.deepEqual(event, {
    id: 'rec-9:3:click',
    kind: 'click',
    occurred_at: '2026-11-20T10:00:00.000Z',
    anonymous_id: 'anon 1',
    session_id: 'sess-1',
    product_id: '9007199254740993',
    surface: 'pdp',
    rec_id: 'rec-9',
    position: 3,
  });
});

test('cookies are read by exact name', () => {
  assert.equal(blocks.readCookie('x_meander_sid=no; _meander_sid=a%20b; other=1', '_meander_sid'), 'a b');
  assert.equal(blocks.readCookie('', '_meander_sid'), null);
});

test('without analytics consent nothing is stored and no anonymous id is sent', () => {
  const doc = { cookie: '_meander_aid=old-anon' };
  const refused = { Shopify: { customerPrivacy: { analyticsProcessingAllowed: () => false } } };

  assert.equal(blocks.analyticsAllowed(refused), false);
  assert.equal(blocks.analyticsAllowed({}), false, 'no Customer Privacy API: no consent');
  const untracked = blocks.identity(doc, false);

  assert.equal(doc.cookie, '_meander_aid=old-anon', 'no cookie written');
  assert.equal(untracked.tracked, false);
  assert.equal(untracked.anonymousId, '');
  const url = blocks.recsUrl({ surface: 'home', productId: '', limit: 4 }, untracked, 'n');
  assert.ok(!url.includes('anonymous_id'), url);
  assert.ok(url.includes('session_id='), 'a page-long session still re-ranks');
});

test('with analytics consent the ids are kept in cookies', () => {
  const written = [];
  const doc = {
    get cookie() { return '_meander_aid=anon-7'; },
    set cookie(value) { written.push(value); },
  };
  const allowed = { Shopify: { customerPrivacy: { analyticsProcessingAllowed: () => true } } };

  const tracked = blocks.identity(doc, blocks.analyticsAllowed(allowed));

  assert.equal(tracked.tracked, true);
  assert.equal(tracked.anonymousId, 'anon-7');
  assert.equal(written.length, 2);
  assert.ok(written[0].startsWith('_meander_aid=anon-7;'), written[0]);
});

/** A document whose cookies and event listeners the tests can see. */
function fakeDocument(cookies) {
  const doc = { written: [], listeners: {} };
  Object.defineProperty(doc, 'cookie', {
    get() { return cookies; },
    set(value) { doc.written.push(value); },
  });
  doc.addEventListener = (name, listener) => { doc.listeners[name] = listener; };
  return doc;
}

const card = { recId: 'rec-1', productId: '5', position: '1' };
const noon = new Date('2026-12-04T12:00:00Z');

test('the older userCanBeTracked answer counts when analyticsProcessingAllowed is missing', () => {
  const older = (answer) => ({ Shopify: { customerPrivacy: { userCanBeTracked: () => answer } } });

  assert.equal(blocks.analyticsAllowed(older(true)), true);
  assert.equal(blocks.analyticsAllowed(older(false)), false);
});

test('without consent no click is reported', () => {
  const ids = blocks.identity(fakeDocument(''), false);

  assert.equal(blocks.clickToReport(card, 'pdp', ids, noon), null);
});

test('consent given on the page stores the ids and turns click reports on', () => {
  const doc = fakeDocument('');
  const ids = blocks.identity(doc, false);
  const pageSession = ids.sessionId;
  blocks.watchConsent(doc, {}, ids);

  doc.listeners.visitorConsentCollected({ detail: { analyticsAllowed: true, marketingAllowed: false } });

  assert.equal(ids.tracked, true);
  assert.ok(ids.anonymousId, 'an anonymous id once allowed');
  assert.equal(ids.sessionId, pageSession, 'the page keeps its session');
  assert.equal(doc.written.length, 2);
  assert.ok(doc.written[0].startsWith('_meander_aid=' + encodeURIComponent(ids.anonymousId) + ';'));
  assert.equal(blocks.clickToReport(card, 'pdp', ids, noon).anonymous_id, ids.anonymousId);
});

test('consent withdrawn on the page expires the cookies and stops click reports', () => {
  const doc = fakeDocument('_meander_aid=anon-7; _meander_sid=sess-7');
  const ids = blocks.identity(doc, true);
  doc.written.length = 0;
  blocks.watchConsent(doc, {}, ids);

  doc.listeners.visitorConsentCollected({ detail: { analyticsAllowed: false } });

  assert.equal(ids.tracked, false);
  assert.equal(ids.anonymousId, '');
  assert.deepEqual(doc.written.map((c) => c.split(';')[0]), ['_meander_aid=', '_meander_sid=']);
  assert.ok(doc.written.every((c) => c.includes('max-age=0')), doc.written.join(' | '));
  assert.equal(blocks.clickToReport(card, 'pdp', ids, noon), null);
});

test('an event without a decision asks the Customer Privacy API', () => {
  const allowed = { Shopify: { customerPrivacy: { analyticsProcessingAllowed: () => true } } };

  assert.equal(blocks.consentOf({ detail: {} }, allowed), true);
  assert.equal(blocks.consentOf(undefined, {}), false);
  assert.equal(blocks.consentOf({ detail: { analyticsAllowed: false } }, allowed), false);
});

/** A sessionStorage stand-in. */
function memoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
  };
}

test('the cart carries the shopper ids so the order can be tied to recommendations', () => {
  assert.deepEqual(blocks.cartAttributes({ ...ids, tracked: true }), {
    attributes: { _meander_sid: 'sess-1', _meander_aid: 'anon 1' },
  });
  assert.deepEqual(blocks.cartAttributes({ ...ids, tracked: false }), {
    attributes: { _meander_sid: '', _meander_aid: '' },
  });
});

test('the cart is tagged once per session, and cleared when consent is withdrawn', async () => {
  const calls = [];
  const saved = global.fetch;
  global.fetch = (url, init) => {
    calls.push([url, JSON.parse(init.body)]);
    return Promise.resolve({ ok: true });
  };
  try {
    const win = { sessionStorage: memoryStorage() };
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    blocks.tagCart({ ...ids, tracked: false }, win);
    await settle();
    assert.equal(calls.length, 0, 'nothing to clear before consent was ever given');

    blocks.tagCart({ ...ids, tracked: true }, win);
    await settle();
    blocks.tagCart({ ...ids, tracked: true }, win);
    await settle();
    assert.equal(calls.length, 1, 'the same ids are written once');
    assert.equal(calls[0][0], '/cart/update.js');
    assert.equal(calls[0][1].attributes._meander_sid, 'sess-1');

    blocks.tagCart({ ...ids, tracked: false }, win);
    await settle();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1][1].attributes, { _meander_sid: '', _meander_aid: '' });
  } finally {
    global.fetch = saved;
  }
});
