/*
 * Meander recommendation blocks.
 *
 * Every block renders an empty, hidden [data-meander-recs] container. This script asks the app
 * proxy (/apps/meander/recs, answered by GET /proxy/recs with format=liquid) once per surface and
 * seed product, so that two blocks on one product page share one request and one logged
 * impression, then moves the cards of each block's modules into its list. Clicks on a card are
 * posted to /apps/meander/events with the card's rec id and position, for attribution.
 *
 * The session and anonymous ids live in first-party cookies shared with the Meander web pixel,
 * so that the views the pixel reports re-rank the lists this script asks for. Like the pixel,
 * they are kept only for shoppers who allowed analytics (Shopify's Customer Privacy API):
 * without that, the blocks still show recommendations, with a session id that lives for this
 * page only, no anonymous id, no cookie and no click reports. A decision taken on the page (the
 * `visitorConsentCollected` event of the consent banner) applies at once: granted, the ids go
 * into cookies and clicks are reported; withdrawn, the cookies are expired and reports stop.
 */
(function () {
  'use strict';

  var PROXY = '/apps/meander';
  /** The module the server answers with before a shop has signals (the cold-start policy). */
  var COLD_START_MODULE = 'popular_and_new';
  var COOKIE_ANONYMOUS = '_meander_aid';
  var COOKIE_SESSION = '_meander_sid';
  var ANONYMOUS_MAX_AGE = 60 * 60 * 24 * 365;
  // A session ends after 30 minutes without activity, as the pixel counts it.
  var SESSION_MAX_AGE = 30 * 60;
  /** sessionStorage key remembering the cart attributes last written. */
  var CART_TAGGED = 'meander_cart_tagged';

  function randomId() {
    if (typeof crypto !== 'undefined' && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }

  function readCookie(cookies, name) {
    var parts = cookies ? cookies.split(';') : [];
    for (var i = 0; i < parts.length; i++) {
      var pair = parts[i].trim();
      if (pair.indexOf(name + '=') === 0) {
        var value = decodeURIComponent(pair.slice(name.length + 1));
        if (value) return value;
      }
    }
    return null;
  }

  function cookie(name, value, maxAge) {
    return name + '=' + encodeURIComponent(value) + '; path=/; max-age=' + maxAge + '; SameSite=Lax';
  }

  /** Whether the shopper allowed analytics; unknown (no Customer Privacy API) counts as no.
   * `analyticsProcessingAllowed` is the current API; `userCanBeTracked` the older one some
   * storefronts still load. */
  function analyticsAllowed(win) {
    var privacy = win && win.Shopify && win.Shopify.customerPrivacy;
    if (!privacy) return false;
    var ask = typeof privacy.analyticsProcessingAllowed === 'function'
      ? privacy.analyticsProcessingAllowed
      : privacy.userCanBeTracked;
    if (typeof ask !== 'function') return false;
    try {
      return ask.call(privacy) === true;
    } catch (e) {
      return false;
    }
  }

  /** The analytics decision a `visitorConsentCollected` event carries (`detail.analyticsAllowed`),
   * or, when it carries none, what the API answers now. */
  function consentOf(event, win) {
    var detail = event && event.detail;
    if (detail && typeof detail.analyticsAllowed === 'boolean') return detail.analyticsAllowed;
    return analyticsAllowed(win);
  }

  /** The shopper's ids. With consent they are created when missing and kept in cookies (the
   * session cookie slides on every call); without it nothing is stored and nothing
   * identifies the shopper beyond this page. */
  function identity(doc, allowed) {
    return applyConsent({ anonymousId: '', sessionId: randomId(), tracked: false }, doc, allowed);
  }

  /** Applies a consent decision to the ids, in place (the click handlers hold them). Granted:
   * the cookies' ids are taken (the page's session id when there is none) and the cookies
   * written. Withdrawn after it was granted: the cookies are expired and the anonymous id is
   * forgotten. */
  function applyConsent(ids, doc, allowed) {
    if (allowed) {
      ids.anonymousId = readCookie(doc.cookie, COOKIE_ANONYMOUS) || ids.anonymousId || randomId();
      ids.sessionId = readCookie(doc.cookie, COOKIE_SESSION) || ids.sessionId;
      doc.cookie = cookie(COOKIE_ANONYMOUS, ids.anonymousId, ANONYMOUS_MAX_AGE);
      doc.cookie = cookie(COOKIE_SESSION, ids.sessionId, SESSION_MAX_AGE);
    } else if (ids.tracked) {
      doc.cookie = cookie(COOKIE_ANONYMOUS, '', 0);
      doc.cookie = cookie(COOKIE_SESSION, '', 0);
      ids.anonymousId = '';
    }
    ids.tracked = allowed;
    return ids;
  }

  /** Follows the shopper's consent decisions on this page (the consent banner's event). */
  function watchConsent(doc, win, ids) {
    doc.addEventListener('visitorConsentCollected', function (event) {
      applyConsent(ids, doc, consentOf(event, win));
      tagCart(ids, win);
    });
  }

  /** The cart attributes naming the shopper, which Shopify copies onto the order so revenue
   * can be tied to the recommendations engaged with before it; empty values (which remove
   * the attributes) once consent is withdrawn or was never given. */
  function cartAttributes(ids) {
    var attributes = {};
    attributes[COOKIE_SESSION] = ids.tracked ? ids.sessionId : '';
    attributes[COOKIE_ANONYMOUS] = ids.tracked ? ids.anonymousId : '';
    return { attributes: attributes };
  }

  /** Writes the shopper's ids into the cart once per session and consent state (the cart
   * keeps them; repeating the call on every page would only cost requests). */
  function tagCart(ids, win) {
    var body = JSON.stringify(cartAttributes(ids));
    var storage = null;
    try { storage = win.sessionStorage; } catch (e) { storage = null; }
    if (storage && storage.getItem(CART_TAGGED) === body) return;
    if (!ids.tracked && !(storage && storage.getItem(CART_TAGGED))) return;
    fetch('/cart/update.js', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body,
      credentials: 'same-origin'
    }).then(function (response) {
      if (response.ok && storage) storage.setItem(CART_TAGGED, body);
    }).catch(function () {});
  }

  /** Blocks that can share one request: same surface, same seed product and cart. The request asks
   * for the union of their modules only, so no impression is logged for a module no block
   * shows. */
  function groupBlocks(blocks) {
    var groups = {};
    var order = [];
    blocks.forEach(function (block) {
      var key = block.surface + '|' + (block.productId || '') + '|' + (block.cart || '');
      if (!groups[key]) {
        groups[key] = { surface: block.surface, productId: block.productId || '', cart: block.cart || '', limit: 0, modules: [], blocks: [] };
        order.push(key);
      }
      groups[key].limit = Math.max(groups[key].limit, block.limit);
      block.modules.forEach(function (name) {
        if (groups[key].modules.indexOf(name) < 0) groups[key].modules.push(name);
      });
      groups[key].blocks.push(block);
    });
    return order.map(function (key) { return groups[key]; });
  }

  /** The proxied recommendations URL; `nonce` keeps two identical requests within one second
   * from looking like a replay of one signed request. */
  function recsUrl(group, ids, nonce) {
    var query = [
      ['surface', group.surface],
      ['limit', String(Math.min(Math.max(group.limit, 1), 24))],
      ['modules', (group.modules || []).join(',')],
      ['format', 'liquid'],
      ['session_id', ids.sessionId],
      ['anonymous_id', ids.anonymousId],
      ['nonce', nonce]
    ];
    // Without consent there is no anonymous id to send.
    query = query.filter(function (pair) { return pair[0] !== 'anonymous_id' || pair[1] !== ''; });
    // An empty module list means "every module", which the server does when it is absent.
    query = query.filter(function (pair) { return pair[0] !== 'modules' || pair[1] !== ''; });
    if (group.productId) query.splice(1, 0, ['product_id', group.productId]);
    // Every cart line seeds the cart's list: the whole cart is completed, not its first line.
    if (group.cart) query.splice(1, 0, ['cart', group.cart]);
    return PROXY + '/recs?' + query.map(function (pair) {
      return encodeURIComponent(pair[0]) + '=' + encodeURIComponent(pair[1]);
    }).join('&');
  }

  /** Which cards a block shows: its modules in order, at most `limit`, each product once; the
   * cold-start module when the shop has no signals yet and none of them came back. */
  function pickCards(cardsByModule, modules, limit) {
    var picked = [];
    var seen = {};
    var present = modules.filter(function (name) { return cardsByModule[name]; });
    (present.length ? present : [COLD_START_MODULE]).forEach(function (name) {
      (cardsByModule[name] || []).forEach(function (card) {
        if (picked.length < limit && !seen[card.productId]) {
          seen[card.productId] = true;
          picked.push(card);
        }
      });
    });
    return picked;
  }

  /** The click to report for a card, or null when the shopper has not allowed analytics. */
  function clickToReport(card, surface, ids, now) {
    return ids.tracked ? clickEvent(card, surface, ids, now) : null;
  }

  /** The click event POST /proxy/events stores (the same fields as the pixel's events). */
  function clickEvent(card, surface, ids, now) {
    return {
      id: card.recId + ':' + card.position + ':click',
      kind: 'click',
      occurred_at: now.toISOString(),
      anonymous_id: ids.anonymousId,
      session_id: ids.sessionId,
      product_id: String(card.productId),
      surface: surface,
      rec_id: card.recId,
      position: Number(card.position)
    };
  }

  function sendClick(event) {
    var url = PROXY + '/events?nonce=' + encodeURIComponent(randomId());
    var body = JSON.stringify({ events: [event] });
    // The shopper is leaving the page: a beacon survives the navigation.
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    fetch(url, { method: 'POST', body: body, keepalive: true, credentials: 'same-origin' })
      .catch(function () {});
  }

  function readBlock(element) {
    return {
      element: element,
      surface: element.getAttribute('data-surface'),
      productId: element.getAttribute('data-product-id'),
      cart: element.getAttribute('data-cart') || '',
      modules: (element.getAttribute('data-modules') || '').split(',').filter(Boolean),
      limit: parseInt(element.getAttribute('data-limit'), 10) || 4
    };
  }

  function cardsByModule(fragment) {
    var byModule = {};
    fragment.querySelectorAll('[data-module]').forEach(function (section) {
      byModule[section.getAttribute('data-module')] = Array.prototype.map.call(
        section.querySelectorAll('.meander-card'),
        function (node) {
          return {
            node: node,
            productId: node.getAttribute('data-product-id'),
            recId: node.getAttribute('data-rec-id'),
            position: node.getAttribute('data-position')
          };
        }
      );
    });
    return byModule;
  }

  function fill(block, byModule, ids) {
    var cards = pickCards(byModule, block.modules, block.limit);
    if (!cards.length) return;
    var list = block.element.querySelector('[data-meander-list]');
    cards.forEach(function (card) {
      var node = card.node.cloneNode(true);
      // Consent is asked at the click: the shopper may decide after the cards are shown.
      node.addEventListener('click', function () {
        var event = clickToReport(card, block.surface, ids, new Date());
        if (event) sendClick(event);
      });
      list.appendChild(node);
    });
    block.element.hidden = false;
  }

  function load(group, ids) {
    return fetch(recsUrl(group, ids, randomId()), { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('recommendations answered ' + response.status);
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement('template');
        template.innerHTML = html;
        var byModule = cardsByModule(template.content);
        group.blocks.forEach(function (block) { fill(block, byModule, ids); });
      })
      .catch(function () {
        // Recommendations are an extra: on failure the blocks stay hidden.
      });
  }

  /** The page's shopper, shared by every start (the theme editor starts again per section). */
  var shopper = null;

  function start() {
    var elements = document.querySelectorAll('[data-meander-recs]:not([data-meander-started])');
    if (!elements.length) return;
    if (!shopper) {
      shopper = identity(document, analyticsAllowed(window));
      watchConsent(document, window, shopper);
      tagCart(shopper, window);
    }
    var ids = shopper;
    var blocks = Array.prototype.map.call(elements, function (element) {
      element.setAttribute('data-meander-started', '');
      return readBlock(element);
    });
    groupBlocks(blocks).forEach(function (group) { load(group, ids); });
  }

  if (typeof module !== 'undefined' && module.exports) {
    // Node's test runner loads this file for the pure functions above.
    module.exports = {
      readCookie: readCookie,
      analyticsAllowed: analyticsAllowed,
      consentOf: consentOf,
      identity: identity,
      applyConsent: applyConsent,
      cartAttributes: cartAttributes,
      tagCart: tagCart,
      watchConsent: watchConsent,
      clickToReport: clickToReport,
      groupBlocks: groupBlocks,
      recsUrl: recsUrl,
      pickCards: pickCards,
      clickEvent: clickEvent
    };
    return;
  }
  // The Customer Privacy API answers once Shopify has loaded it; blocks wait for it (a
  // storefront without it gets the consent-free blocks at once).
  function startWithConsent() {
    var shopify = window.Shopify;
    if (shopify && !shopify.customerPrivacy && typeof shopify.loadFeatures === 'function') {
      shopify.loadFeatures([{ name: 'consent-tracking-api', version: '0.1' }], start);
    } else {
      start();
    }
  }
  startWithConsent();
  // The theme editor re-renders sections without reloading the page.
  document.addEventListener('shopify:section:load', startWithConsent);
})();
