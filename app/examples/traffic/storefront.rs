//! The running demo shop over HTTP, as a shopper's browser and the shop's web pixel reach it:
//! recommendations (`GET /demo/recs`), pixel events (`POST /events` with the ingest key),
//! the storefront's cart and checkout forms (`POST /demo/cart`, `POST /demo/checkout`, with
//! the visitor's cookies), and the demo admin's experiment API (`x-meander-demo-key`).

use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Items per module, as the demo storefront's pages show them.
const MODULE_ITEMS: usize = 6;
/// Tries of an event batch the rate limiter refuses.
const EVENT_TRIES: usize = 5;
/// Looks at the results, half a second apart, before they are taken as they are.
const SETTLE_TRIES: usize = 20;

/// Where the shop runs and the keys it is reached with.
#[derive(Debug, Clone)]
pub struct Storefront {
    client: reqwest::Client,
    base: String,
    shop: String,
    ingest_key: String,
    admin_key: String,
}

/// Who asks: the browser, the storefront session and the logged-in customer.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub anonymous_id: &'a str,
    pub session_id: &'a str,
    pub customer_id: Option<i64>,
}

/// One recommendation answer as the simulator keeps it.
#[derive(Debug, Clone)]
pub struct Served {
    pub rec_id: String,
    /// The experiment arm it was served under (`None` outside the experiment).
    pub arm: Option<String>,
    /// Product ids in display order (position = index + 1).
    pub items: Vec<i64>,
}

#[derive(Deserialize)]
struct RecsBody {
    rec_id: String,
    modules: Vec<ModuleBody>,
    #[serde(default)]
    experiment: Option<ArmBody>,
}

#[derive(Deserialize)]
struct ModuleBody {
    items: Vec<ItemBody>,
}

#[derive(Deserialize)]
struct ItemBody {
    product_id: String,
    position: usize,
}

#[derive(Deserialize)]
struct ArmBody {
    arm: Option<String>,
}

impl Storefront {
    /// A client for the shop at `base` (`http://127.0.0.1:8080`); redirects are not followed,
    /// so a form post's cookies are read from its own answer.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base: &str, shop: &str, ingest_key: &str, admin_key: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            shop: shop.to_owned(),
            ingest_key: ingest_key.to_owned(),
            admin_key: admin_key.to_owned(),
        })
    }

    /// `GET /demo/recs` for `surface` (`home`, `pdp`) about `product`.
    pub async fn recs(
        &self,
        surface: &str,
        product: Option<i64>,
        who: Who<'_>,
    ) -> anyhow::Result<Served> {
        let mut query = vec![
            ("surface", surface.to_owned()),
            ("limit", MODULE_ITEMS.to_string()),
            ("session_id", who.session_id.to_owned()),
            ("anonymous_id", who.anonymous_id.to_owned()),
        ];
        query.extend(product.map(|p| ("product_id", p.to_string())));
        query.extend(
            who.customer_id
                .map(|c| ("logged_in_customer_id", c.to_string())),
        );
        let response = self
            .client
            .get(format!("{}/demo/recs", self.base))
            .query(&query)
            .send()
            .await?;
        let body: RecsBody = ok(response, "GET /demo/recs").await?.json().await?;
        let mut items: Vec<(usize, i64)> = body
            .modules
            .iter()
            .flat_map(|m| &m.items)
            .filter_map(|item| Some((item.position, item.product_id.parse().ok()?)))
            .collect();
        items.sort_unstable();
        Ok(Served {
            rec_id: body.rec_id,
            arm: body.experiment.and_then(|e| e.arm),
            items: items.into_iter().map(|(_, id)| id).collect(),
        })
    }

    /// `POST /events`: a batch from the web pixel, retried after the rate limiter's wait.
    pub async fn events(&self, events: &[Value]) -> anyhow::Result<()> {
        let body = json!({"shop": self.shop, "key": self.ingest_key, "events": events});
        for _ in 0..EVENT_TRIES {
            let response = self
                .client
                .post(format!("{}/events", self.base))
                .json(&body)
                .send()
                .await?;
            if response.status() != StatusCode::TOO_MANY_REQUESTS {
                ok(response, "POST /events").await?;
                return Ok(());
            }
            let wait = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
        anyhow::bail!("POST /events: still rate limited after {EVENT_TRIES} tries")
    }

    /// `POST /demo/cart`: one unit of `product` (its first variant) into the visitor's cart;
    /// `cookies` is the visitor's cookie header, updated from the answer.
    pub async fn add_to_cart(&self, cookies: &mut String, product: i64) -> anyhow::Result<()> {
        let request = self.client.post(format!("{}/demo/cart", self.base)).form(&[
            ("product_id", product.to_string()),
            ("quantity", "1".into()),
        ]);
        *cookies = self.form(request, cookies, "POST /demo/cart").await?;
        Ok(())
    }

    /// `POST /demo/checkout`: the visitor's cart becomes an order.
    pub async fn checkout(&self, cookies: &mut String) -> anyhow::Result<()> {
        let request = self
            .client
            .post(format!("{}/demo/checkout", self.base))
            .form(&[("email", "shopper@example.com")]);
        *cookies = self.form(request, cookies, "POST /demo/checkout").await?;
        Ok(())
    }

    /// Posts a storefront form with `cookies`; returns the cookies the answer leaves.
    async fn form(
        &self,
        request: RequestBuilder,
        cookies: &str,
        what: &str,
    ) -> anyhow::Result<String> {
        let response = request.header(COOKIE, cookies).send().await?;
        anyhow::ensure!(
            response.status() == StatusCode::SEE_OTHER,
            "{what}: {} {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
        let set: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| Some(v.to_str().ok()?.split(';').next()?.to_owned()))
            .collect();
        Ok(set.join("; "))
    }

    /// `POST /admin/api/experiments` then `/start`: returns the running experiment's id.
    pub async fn start_experiment(&self, definition: &Value) -> anyhow::Result<i64> {
        let created = self
            .admin(self.client.post(self.admin_url("")).json(definition))
            .await
            .context("creating the experiment")?;
        let id = created["experiment"]["id"]
            .as_i64()
            .context("the created experiment has no id")?;
        let start = self.client.post(self.admin_url(&format!("/{id}/start")));
        self.admin(start.json(&json!({})))
            .await
            .context("starting the experiment")?;
        Ok(id)
    }

    /// `GET /admin/api/experiments/{id}/results` once they count at least `shown` answers
    /// showing items (the app stores impressions off the request path, in batches), or as
    /// they are after [`SETTLE_TRIES`] looks.
    pub async fn settled_results(&self, id: i64, shown: u64) -> anyhow::Result<Value> {
        for _ in 1..SETTLE_TRIES {
            let results = self.results(id).await?;
            let counted: u64 = results["results"]["arms"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|arm| arm["ctr"]["trials"].as_u64())
                .sum();
            if counted >= shown {
                return Ok(results);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.results(id).await
    }

    async fn results(&self, id: i64) -> anyhow::Result<Value> {
        let get = self.client.get(self.admin_url(&format!("/{id}/results")));
        self.admin(get)
            .await
            .context("reading the experiment's results")
    }

    fn admin_url(&self, tail: &str) -> String {
        format!("{}/admin/api/experiments{tail}", self.base)
    }

    async fn admin(&self, request: RequestBuilder) -> anyhow::Result<Value> {
        let response = request
            .header("x-meander-demo-key", &self.admin_key)
            .send()
            .await?;
        Ok(ok(response, "admin API").await?.json().await?)
    }
}

/// `response` if it succeeded, else an error with its status and body.
async fn ok(response: Response, what: &str) -> anyhow::Result<Response> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    anyhow::bail!(
        "{what}: {status} {}",
        response.text().await.unwrap_or_default()
    )
}
