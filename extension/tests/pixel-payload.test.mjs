// The web pixel's payloads (extension/meander-pixel/src/payload.js). The product_viewed batch
// must equal fixtures/product_viewed.batch.json, which app/tests/api/storefront_events.rs
// posts to the real POST /events: together they prove the pixel speaks the endpoint's schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  MAX_BATCH,
  batchBody,
  cookieString,
  deviceClass,
  toEvents,
  trafficSource,
} from '../meander-pixel/src/payload.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const settings = {
  endpoint: 'https://meander.example.com/events',
  shopDomain: 'pixel-fixture.myshopify.com',
  ingestKey: 'fixture-ingest-key',
};

function contextFor(event) {
  return {
    anonymousId: 'anon-fixture',
    sessionId: 'sess-fixture',
    customerId: '7070',
    referrer: trafficSource('https://www.google.com/', event.context.document.location.href),
    device: deviceClass(event.context.navigator.userAgent),
  };
}

test('a product_viewed event becomes exactly the fixture batch', () => {
  const event = fixture('product_viewed.event.json');

  const body = batchBody(settings, toEvents(event, contextFor(event)));

  assert.deepEqual(JSON.parse(JSON.stringify(body)), fixture('product_viewed.batch.json'));
});

test('add to cart, search and checkout map to their kinds', () => {
  const context = { anonymousId: 'a', sessionId: 's' };
  const variant = { id: '11', product: { id: '22' } };
  const at = '2026-11-20T10:15:30.123Z';

  const added = toEvents(
    { id: 'e1', name: 'product_added_to_cart', timestamp: at, data: { cartLine: { merchandise: variant, quantity: 2 } } },
    context,
  );
  const search = toEvents(
    { id: 'e2', name: 'search_submitted', timestamp: at, data: { searchResult: { query: '  linen dress ' } } },
    context,
  );
  const bought = toEvents(
    {
      id: 'e3',
      name: 'checkout_completed',
      timestamp: at,
      data: {
        checkout: {
          order: { id: '900', customer: { id: '42' } },
          lineItems: [{ variant, quantity: 1 }, { variant: null, quantity: 1 }, { variant: { id: '12', product: { id: '23' } } }],
        },
      },
    },
    context,
  );

  assert.deepEqual(added, [
    { id: 'e1', kind: 'add_to_cart', occurred_at: at, anonymous_id: 'a', session_id: 's', product_id: '22', variant_id: '11' },
  ]);
  assert.deepEqual(search, [{ id: 'e2', kind: 'search', occurred_at: at, anonymous_id: 'a', session_id: 's', query: 'linen dress' }]);
  assert.deepEqual(
    bought.map((e) => [e.id, e.kind, e.product_id, e.customer_id]),
    [
      ['e3:0', 'purchase', '22', '42'],
      ['e3:2', 'purchase', '23', '42'],
    ],
  );
});

test('events the endpoint would refuse are not produced', () => {
  const context = { anonymousId: 'a', sessionId: 's' };

  assert.deepEqual(toEvents({ id: 'x', name: 'search_submitted', data: { searchResult: { query: '   ' } } }, context), []);
  assert.deepEqual(toEvents({ id: 'x', name: 'product_viewed', data: { productVariant: { id: '1' } } }, context), []);
  assert.deepEqual(toEvents({ id: 'x', name: 'page_viewed', data: {} }, context), []);
  const long = toEvents({ id: 'x', name: 'search_submitted', data: { searchResult: { query: '🧵'.repeat(300) } } }, context);
  assert.equal([...long[0].query].length, 256);
});

test('batches hold at most 100 events', () => {
  const events = Array.from({ length: 130 }, (_, i) => ({ id: String(i) }));

  assert.equal(batchBody(settings, events).events.length, MAX_BATCH);
});

test('traffic sources and devices use the endpoint vocabulary', () => {
  const here = 'https://shop.example/products/a';
  assert.equal(trafficSource('', here), 'direct');
  assert.equal(trafficSource('https://www.google.co.uk/', here), 'search');
  assert.equal(trafficSource('https://blog.example.org/post', here), 'referral');
  assert.equal(trafficSource('https://l.instagram.com/', here), 'social');
  assert.equal(trafficSource('https://www.instagram.com/', here), 'social');
  assert.equal(trafficSource('', `${here}?utm_medium=email`), 'email');
  assert.equal(trafficSource('https://www.google.com/', `${here}?gclid=abc`), 'paid');
  assert.equal(trafficSource('https://shop.example/collections/all', here), undefined);
  assert.equal(deviceClass('Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X)'), 'tablet');
  assert.equal(deviceClass('Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari'), 'mobile');
  assert.equal(deviceClass('Mozilla/5.0 (X11; Linux x86_64)'), 'desktop');
  assert.equal(cookieString('_meander_sid', 'a b', 1800), '_meander_sid=a%20b; path=/; max-age=1800; SameSite=Lax');
});

test('a product page opened from a Meander email link also sends the email click', () => {
  const event = fixture('product_viewed.event.json');
  const recId = 'em_0123456789abcdef01234567';
  event.context.document.location.href = `https://pixel-fixture.myshopify.com/products/x?utm_medium=email&meander_rec=${recId}`;

  const events = toEvents(event, contextFor(event));

  assert.deepEqual(events.map((e) => e.kind), ['view', 'click']);
  const click = events[1];
  assert.equal(click.rec_id, recId);
  assert.equal(click.surface, 'email');
  assert.equal(click.product_id, events[0].product_id);
  assert.equal(click.id, `${event.id}:email`);
});

test('a meander_rec that is not an email rec id sends no click', () => {
  const event = fixture('product_viewed.event.json');
  for (const recId of ['r_123', 'em_short', 'em_0123456789ABCDEF01234567x']) {
    event.context.document.location.href = `https://pixel-fixture.myshopify.com/products/x?meander_rec=${recId}`;
    assert.deepEqual(toEvents(event, contextFor(event)).map((e) => e.kind), ['view'], recId);
  }
});
