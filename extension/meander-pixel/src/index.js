// Meander web pixel: subscribes to the storefront's standard events, maps them with
// ./payload.js and posts them in batches to the shop's Meander endpoint (POST /events).
import { register } from '@shopify/web-pixels-extension';

import {
  ANONYMOUS_MAX_AGE,
  COOKIE_ANONYMOUS,
  COOKIE_SESSION,
  FLUSH_AT,
  FLUSH_DELAY_MS,
  MAX_BATCH,
  SESSION_MAX_AGE,
  SUBSCRIBED,
  batchBody,
  cookieString,
  deviceClass,
  randomId,
  toEvents,
  trafficSource,
} from './payload.js';

register(({ analytics, browser, settings, init }) => {
  const page = {
    customerId: init?.data?.customer?.id ? String(init.data.customer.id) : undefined,
    referrer: trafficSource(init?.context?.document?.referrer, init?.context?.document?.location?.href),
  };
  const queue = [];
  let timer = null;

  // The theme blocks read the same cookies, so their requests re-rank with these events.
  async function identity(event) {
    const anonymousId = (await browser.cookie.get(COOKIE_ANONYMOUS)) || event.clientId || randomId();
    const sessionId = (await browser.cookie.get(COOKIE_SESSION)) || randomId();
    await browser.cookie.set(cookieString(COOKIE_ANONYMOUS, anonymousId, ANONYMOUS_MAX_AGE));
    await browser.cookie.set(cookieString(COOKIE_SESSION, sessionId, SESSION_MAX_AGE));
    return { anonymousId, sessionId };
  }

  function flush() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length) {
      const body = JSON.stringify(batchBody(settings, queue.splice(0, MAX_BATCH)));
      // text/plain keeps this a simple CORS request (no preflight); keepalive lets it finish
      // when the page unloads. browser.sendBeacon is deprecated in favour of this.
      fetch(settings.endpoint, {
        method: 'POST',
        body,
        keepalive: true,
        headers: { 'Content-Type': 'text/plain' },
      }).catch(() => {});
    }
  }

  function enqueue(events, urgent) {
    queue.push(...events);
    if (urgent || queue.length >= FLUSH_AT) flush();
    else if (!timer) timer = setTimeout(flush, FLUSH_DELAY_MS);
  }

  for (const name of SUBSCRIBED) {
    analytics.subscribe(name, async (event) => {
      const ids = await identity(event);
      const context = { ...page, ...ids, device: deviceClass(event.context?.navigator?.userAgent) };
      // The thank-you page may be the last page of the visit: send purchases at once.
      enqueue(toEvents(event, context), name === 'checkout_completed');
    });
  }
});
