// What the Meander pixel sends: Shopify customer events mapped onto the event batch that
// POST /events validates (app/src/routes/events.rs, worker/src/signals/input.rs). Pure
// functions, no Shopify imports, so `node --test` checks them against the shared fixture.

/** POST /events takes at most 100 events per batch. */
export const MAX_BATCH = 100;
/** Events wait this long for company before they are sent. */
export const FLUSH_DELAY_MS = 2000;
/** A batch this large is sent at once. */
export const FLUSH_AT = 20;
/** Cookies shared with the theme blocks (extension/meander-recs/assets/meander-recs.js). */
export const COOKIE_ANONYMOUS = '_meander_aid';
export const COOKIE_SESSION = '_meander_sid';
export const ANONYMOUS_MAX_AGE = 60 * 60 * 24 * 365;
export const SESSION_MAX_AGE = 30 * 60;
/** The standard events the pixel subscribes to. */
export const SUBSCRIBED = [
  'product_viewed',
  'product_added_to_cart',
  'search_submitted',
  'checkout_completed',
];

const MAX_QUERY_CHARS = 256;

/** Device class from the user agent, as `device` expects: mobile, tablet or desktop. */
export function deviceClass(userAgent) {
  if (!userAgent) return undefined;
  if (/iPad|Tablet|PlayBook|Silk|(Android(?!.*Mobile))/i.test(userAgent)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android/i.test(userAgent)) return 'mobile';
  return 'desktop';
}

const SEARCH_ENGINES = /(^|\.)(google|bing|duckduckgo|yahoo|ecosia|baidu|yandex|qwant)\./;
const SOCIAL = /(^|\.)(facebook|instagram|pinterest|tiktok|linkedin|reddit|youtube|twitter|x|t)\.(com|co)$/;

/** Traffic source class of the landing page, as `referrer` expects (at most 64 characters). */
export function trafficSource(referrer, href) {
  const params = safeUrl(href)?.searchParams;
  const medium = (params?.get('utm_medium') || '').toLowerCase();
  if (medium === 'email') return 'email';
  if (/^(cpc|ppc|paid|paidsocial|paid_social|display)$/.test(medium)) return 'paid';
  if (params?.has('gclid') || params?.has('fbclid') || params?.has('msclkid')) return 'paid';
  const from = safeUrl(referrer);
  if (!from) return 'direct';
  const here = safeUrl(href);
  // Navigation inside the shop says nothing about where the visit came from.
  if (here && from.hostname === here.hostname) return undefined;
  if (SEARCH_ENGINES.test(from.hostname)) return 'search';
  if (SOCIAL.test(from.hostname)) return 'social';
  return 'referral';
}

function safeUrl(text) {
  if (!text) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Drops absent fields: the endpoint refuses unknown fields, not missing optional ones. */
function compact(event) {
  return Object.fromEntries(
    Object.entries(event).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
}

function base(event, context, kind, id = event.id) {
  return {
    id,
    kind,
    occurred_at: event.timestamp,
    anonymous_id: context.anonymousId,
    session_id: context.sessionId,
    customer_id: context.customerId,
    referrer: context.referrer,
    device: context.device,
  };
}

/**
 * The events one Shopify customer event becomes: one per viewed or added product, one per
 * search, one purchase per checkout line. `context` carries anonymousId, sessionId and the
 * optional customerId, referrer and device.
 */
export function toEvents(event, context) {
  const data = event.data || {};
  switch (event.name) {
    case 'product_viewed':
      return [
        ...variantEvent(event, context, 'view', data.productVariant),
        ...emailClick(event, context, data.productVariant),
      ];
    case 'product_added_to_cart':
      return variantEvent(event, context, 'add_to_cart', data.cartLine?.merchandise);
    case 'search_submitted': {
      const query = (data.searchResult?.query || '').trim();
      if (!query) return [];
      return [compact({ ...base(event, context, 'search'), query: [...query].slice(0, MAX_QUERY_CHARS).join('') })];
    }
    case 'checkout_completed':
      return purchaseEvents(event, context, data.checkout);
    default:
      return [];
  }
}

function variantEvent(event, context, kind, variant) {
  if (!variant?.product?.id) return [];
  return [
    compact({ ...base(event, context, kind), product_id: String(variant.product.id), variant_id: optionalId(variant.id) }),
  ];
}

/** Rec ids of Meander's email lists: pushed profile lists (em_) and feed cohorts (ef_). */
const EMAIL_REC_ID = /^e[mf]_[0-9a-f]{24}$/;

/**
 * A product page opened from a Meander email link (`?meander_rec=…`) is the click on that
 * email's item: the server attributes it to the list's logged impression, as it does for a
 * theme block's click. Only well-formed email rec ids count, so a pasted or forged link
 * cannot pose as another surface's click.
 */
function emailClick(event, context, variant) {
  const recId = safeUrl(event.context?.document?.location?.href)?.searchParams.get('meander_rec');
  if (!recId || !EMAIL_REC_ID.test(recId) || !variant?.product?.id) return [];
  return [
    compact({
      ...base(event, context, 'click', `${event.id}:email`),
      product_id: String(variant.product.id),
      variant_id: optionalId(variant.id),
      rec_id: recId,
      surface: 'email',
    }),
  ];
}

function purchaseEvents(event, context, checkout) {
  const customerId = optionalId(checkout?.order?.customer?.id) ?? context.customerId;
  return (checkout?.lineItems || [])
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line?.variant?.product?.id)
    .map(({ line, index }) =>
      compact({
        ...base(event, { ...context, customerId }, 'purchase', `${event.id}:${index}`),
        product_id: String(line.variant.product.id),
        variant_id: optionalId(line.variant.id),
      }),
    );
}

function optionalId(id) {
  return id === undefined || id === null || id === '' ? undefined : String(id);
}

/** The body POST /events accepts: the shop, its ingest key and up to 100 events. */
export function batchBody(settings, events) {
  return { shop: settings.shopDomain, key: settings.ingestKey, events: events.slice(0, MAX_BATCH) };
}

/** A cookie string for `browser.cookie.set`, first-party and readable by the theme blocks. */
export function cookieString(name, value, maxAge) {
  return `${name}=${encodeURIComponent(value)}; path=/; max-age=${maxAge}; SameSite=Lax`;
}

/** A fresh id when no cookie holds one yet. */
export function randomId() {
  if (typeof crypto !== 'undefined' && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
