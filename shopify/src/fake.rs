//! A fake Shopify for tests (feature `fake`): a local HTTP server playing every shop's OAuth
//! and token endpoints at `http://127.0.0.1:{port}/shops/{shop}/admin/oauth/…`, plus helpers
//! that sign webhooks, app-proxy requests and session tokens exactly as Shopify does.
//!
//! Behaviour copied from Shopify: authorization codes are single use; token exchange checks
//! the session token and answers `400 {"error":"invalid_subject_token",…}` when it is bad;
//! `expiring=1` gives a 3600 s access token with a 90-day refresh token; refresh tokens rotate
//! and a used one is refused with `400 {"error":"invalid_grant",…}`; bad client credentials
//! give `401 {"error":"invalid_client",…}`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use entity::ShopDomain;
use serde::Deserialize;
use serde_json::json;

use crate::session_token;
use crate::signature::{sign_app_proxy, sign_oauth_query, sign_webhook};

/// Lifetime of an expiring access token, as Shopify issues it.
pub const ACCESS_TOKEN_TTL: i64 = 3_600;
/// Lifetime of a refresh token, as Shopify issues it (90 days).
pub const REFRESH_TOKEN_TTL: i64 = 7_776_000;

#[derive(Default)]
struct Books {
    /// code → shop, removed when used.
    codes: HashMap<String, String>,
    /// shop → the one refresh token currently valid.
    refresh_tokens: HashMap<String, String>,
    /// shop → the latest access token issued.
    access_tokens: HashMap<String, String>,
}

struct Inner {
    client_id: String,
    secret: String,
    scopes: String,
    books: Mutex<Books>,
    refresh_delay: Mutex<Duration>,
    /// Token requests still to answer 503, as Shopify does in an outage.
    unavailable: AtomicUsize,
    code_exchanges: AtomicUsize,
    token_exchanges: AtomicUsize,
    refreshes: AtomicUsize,
}

/// A running fake Shopify; stops when dropped.
#[derive(Clone)]
pub struct FakeShopify {
    inner: Arc<Inner>,
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    handle: ServerHandle,
}

impl FakeShopify {
    /// Starts the fake on a random local port for an app with `client_id` and `secret`.
    ///
    /// # Panics
    /// When no local port can be bound (a test cannot run without it).
    #[expect(clippy::expect_used, reason = "test support: fail loudly")]
    #[must_use]
    pub fn start(client_id: &str, secret: &str) -> Self {
        let inner = Arc::new(Inner {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            scopes: "read_products,read_inventory,read_orders".into(),
            books: Mutex::default(),
            refresh_delay: Mutex::new(Duration::ZERO),
            unavailable: AtomicUsize::new(0),
            code_exchanges: AtomicUsize::new(0),
            token_exchanges: AtomicUsize::new(0),
            refreshes: AtomicUsize::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake Shopify");
        let port = listener.local_addr().expect("local address").port();
        let data = web::Data::from(Arc::clone(&inner));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/shops/{shop}/admin/oauth/authorize",
                    web::get().to(authorize),
                )
                .route(
                    "/shops/{shop}/admin/oauth/access_token",
                    web::post().to(access_token),
                )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            inner,
            address: format!("http://127.0.0.1:{port}"),
            handle,
        }
    }

    /// The `shopify.shop_url_template` pointing at this fake.
    #[must_use]
    pub fn shop_url_template(&self) -> String {
        format!("{}/shops/{{shop}}", self.address)
    }

    /// Makes every refresh take `delay` (to hold concurrent refreshes open).
    pub fn set_refresh_delay(&self, delay: Duration) {
        if let Ok(mut slot) = self.inner.refresh_delay.lock() {
            *slot = delay;
        }
    }

    /// The next `count` token requests answer 503 without looking at them (an outage).
    pub fn fail_next_token_requests(&self, count: usize) {
        self.inner.unavailable.store(count, Ordering::SeqCst);
    }

    /// Authorization codes exchanged successfully.
    #[must_use]
    pub fn code_exchanges(&self) -> usize {
        self.inner.code_exchanges.load(Ordering::SeqCst)
    }

    /// Token exchanges answered successfully.
    #[must_use]
    pub fn token_exchanges(&self) -> usize {
        self.inner.token_exchanges.load(Ordering::SeqCst)
    }

    /// Refresh requests received (successful or not).
    #[must_use]
    pub fn refreshes(&self) -> usize {
        self.inner.refreshes.load(Ordering::SeqCst)
    }

    /// The refresh token currently valid for `shop`.
    #[must_use]
    pub fn current_refresh_token(&self, shop: &str) -> Option<String> {
        self.inner
            .books
            .lock()
            .ok()
            .and_then(|books| books.refresh_tokens.get(shop).cloned())
    }

    /// The latest access token issued for `shop`.
    #[must_use]
    pub fn current_access_token(&self, shop: &str) -> Option<String> {
        self.inner
            .books
            .lock()
            .ok()
            .and_then(|books| books.access_tokens.get(shop).cloned())
    }

    /// A session token App Bridge would send for `shop` at `now` (unix seconds).
    #[must_use]
    pub fn session_token(&self, shop: &ShopDomain, now: i64) -> String {
        let claims = session_token::claims_for(shop, &self.inner.client_id, now);
        session_token::sign(&claims, self.inner.secret.as_bytes())
    }

    /// Headers Shopify sends with a webhook delivery of `body`.
    #[must_use]
    pub fn webhook_headers(
        &self,
        topic: &str,
        shop: &str,
        webhook_id: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        vec![
            ("X-Shopify-Topic", topic.to_owned()),
            (
                "X-Shopify-Hmac-Sha256",
                sign_webhook(self.inner.secret.as_bytes(), body),
            ),
            ("X-Shopify-Shop-Domain", shop.to_owned()),
            ("X-Shopify-API-Version", "2026-07".to_owned()),
            ("X-Shopify-Webhook-Id", webhook_id.to_owned()),
            ("X-Shopify-Event-Id", format!("event-{webhook_id}")),
            ("X-Shopify-Triggered-At", chrono::Utc::now().to_rfc3339()),
            ("Content-Type", "application/json".to_owned()),
        ]
    }

    /// The query Shopify appends to an app-proxy request: `extra` pairs plus `shop`,
    /// `logged_in_customer_id`, `path_prefix`, `timestamp` and `signature`, form-encoded.
    #[must_use]
    pub fn app_proxy_query(
        &self,
        shop: &str,
        customer_id: Option<i64>,
        timestamp: i64,
        extra: &[(&str, &str)],
    ) -> String {
        let mut pairs: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        pairs.push(("shop".into(), shop.to_owned()));
        pairs.push((
            "logged_in_customer_id".into(),
            customer_id.map(|id| id.to_string()).unwrap_or_default(),
        ));
        pairs.push(("path_prefix".into(), "/apps/meander".into()));
        pairs.push(("timestamp".into(), timestamp.to_string()));
        let signature = sign_app_proxy(self.inner.secret.as_bytes(), &pairs);
        pairs.push(("signature".into(), signature));
        encode(&pairs)
    }

    /// Signs arbitrary OAuth redirect `pairs` (adds `hmac`), form-encoded.
    #[must_use]
    pub fn sign_oauth(&self, pairs: &[(&str, &str)]) -> String {
        let mut owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let hmac = sign_oauth_query(self.inner.secret.as_bytes(), &owned);
        owned.push(("hmac".into(), hmac));
        encode(&owned)
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

fn encode(pairs: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status).json(json!({"error": error, "error_description": description}))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
}

async fn authorize(
    inner: web::Data<Inner>,
    shop: web::Path<String>,
    query: web::Query<AuthorizeQuery>,
) -> HttpResponse {
    if query.client_id != inner.client_id {
        return oauth_error(
            400,
            "invalid_request",
            "Oauth error invalid_request: The client_id is invalid",
        );
    }
    let code = uuid::Uuid::new_v4().simple().to_string();
    if let Ok(mut books) = inner.books.lock() {
        books.codes.insert(code.clone(), shop.clone());
    }
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let host = base64_host(&shop);
    let mut pairs = vec![
        ("code".to_owned(), code),
        ("host".to_owned(), host),
        ("shop".to_owned(), shop.clone()),
        ("state".to_owned(), query.state.clone()),
        ("timestamp".to_owned(), timestamp),
    ];
    let hmac = sign_oauth_query(inner.secret.as_bytes(), &pairs);
    pairs.push(("hmac".into(), hmac));
    let location = format!("{}?{}", query.redirect_uri, encode(&pairs));
    HttpResponse::Found()
        .insert_header(("Location", location))
        .finish()
}

/// Shopify's `host` parameter: base64 of `admin.shopify.com/store/{name}`.
fn base64_host(shop: &str) -> String {
    use base64::Engine as _;
    let name = shop.split('.').next().unwrap_or_default();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(format!("admin.shopify.com/store/{name}"))
}

#[derive(Deserialize)]
struct TokenForm {
    client_id: String,
    client_secret: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    grant_type: Option<String>,
    #[serde(default)]
    subject_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expiring: Option<String>,
}

async fn access_token(
    inner: web::Data<Inner>,
    shop: web::Path<String>,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let shop = shop.into_inner();
    let outage = inner
        .unavailable
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        });
    if outage.is_ok() {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/html")
            .body("<html><body>Service Unavailable</body></html>");
    }
    if form.client_id != inner.client_id || form.client_secret != inner.secret {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    }
    match form.grant_type.as_deref() {
        None => code_grant(&inner, &shop, form.code.as_deref()),
        Some(crate::client::TOKEN_EXCHANGE_GRANT) => token_exchange(&inner, &shop, &form),
        Some("refresh_token") => refresh(&inner, &shop, form.refresh_token.as_deref()).await,
        Some(_) => oauth_error(
            400,
            "unsupported_grant_type",
            "The grant type is not supported",
        ),
    }
}

fn code_grant(inner: &Inner, shop: &str, code: Option<&str>) -> HttpResponse {
    let used = code.and_then(|code| {
        inner
            .books
            .lock()
            .ok()
            .and_then(|mut books| books.codes.remove(code))
    });
    if used.as_deref() != Some(shop) {
        return oauth_error(
            400,
            "invalid_request",
            "The authorization code was not found or was already used",
        );
    }
    inner.code_exchanges.fetch_add(1, Ordering::SeqCst);
    let token = format!("shpat_{}", uuid::Uuid::new_v4().simple());
    if let Ok(mut books) = inner.books.lock() {
        books.access_tokens.insert(shop.to_owned(), token.clone());
    }
    HttpResponse::Ok().json(json!({"access_token": token, "scope": inner.scopes}))
}

fn token_exchange(inner: &Inner, shop: &str, form: &TokenForm) -> HttpResponse {
    let now = chrono::Utc::now().timestamp();
    let verified = form.subject_token.as_deref().map(|token| {
        session_token::verify(token, inner.secret.as_bytes(), &inner.client_id, now, 0)
    });
    match verified {
        Some(Ok(session)) if session.shop.as_str() == shop => {}
        _ => {
            return oauth_error(
                400,
                "invalid_subject_token",
                "The subject token is invalid, expired or was issued for another shop",
            );
        }
    }
    inner.token_exchanges.fetch_add(1, Ordering::SeqCst);
    issue(inner, shop, form.expiring.as_deref() == Some("1"))
}

fn issue(inner: &Inner, shop: &str, expiring: bool) -> HttpResponse {
    let token = format!("shpat_{}", uuid::Uuid::new_v4().simple());
    let Ok(mut books) = inner.books.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    books.access_tokens.insert(shop.to_owned(), token.clone());
    if !expiring {
        return HttpResponse::Ok().json(json!({"access_token": token, "scope": inner.scopes}));
    }
    let refresh = format!("shprt_{}", uuid::Uuid::new_v4().simple());
    books
        .refresh_tokens
        .insert(shop.to_owned(), refresh.clone());
    HttpResponse::Ok().json(json!({
        "access_token": token,
        "scope": inner.scopes,
        "expires_in": ACCESS_TOKEN_TTL,
        "refresh_token": refresh,
        "refresh_token_expires_in": REFRESH_TOKEN_TTL,
    }))
}

async fn refresh(inner: &Inner, shop: &str, presented: Option<&str>) -> HttpResponse {
    inner.refreshes.fetch_add(1, Ordering::SeqCst);
    let delay = inner.refresh_delay.lock().map(|d| *d).unwrap_or_default();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let valid = inner
        .books
        .lock()
        .ok()
        .and_then(|books| books.refresh_tokens.get(shop).cloned());
    if presented.is_none() || presented != valid.as_deref() {
        return oauth_error(400, "invalid_grant", "Token has been expired or revoked.");
    }
    issue(inner, shop, true)
}
