//! `connect_web_pixel`: activates Meander's web pixel on a shop. The pixel extension runs for a
//! shop only once the app has created its web pixel there with the settings its
//! `shopify.extension.toml` declares: `endpoint` (where batches go), `shopDomain` and
//! `ingestKey` (the credentials `POST /events` checks).

use chrono::{TimeDelta, Utc};
use entity::{ShopDomain, shop};
use sea_orm::EntityTrait;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use services::shop_auth::ShopifyApp;
use services::shop_tokens::{ShopTokenError, with_token};
use shopify::client::{ApiCallError, Unauthorized};
use shopify::{AdminClient, AdminError, RetryPolicy, WebPixel, WebPixelError};

use super::sync_catalog::truncate;
use crate::job::{Job, JobContext, JobError, tracked};

/// Creates the shop's web pixel, or updates its settings when it exists already (a
/// re-install, a retry after a crash, or a changed public URL).
///
/// Deduplicated per shop and hour of request, like the first catalog sync it is queued with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectWebPixel {
    /// The shop.
    pub shop_id: i64,
    /// Unix seconds of the request, truncated to the hour.
    pub requested_at: i64,
}

impl ConnectWebPixel {
    /// A connection of `shop_id`'s pixel requested now.
    #[must_use]
    pub fn now(shop_id: i64) -> Self {
        Self {
            shop_id,
            requested_at: truncate(Utc::now(), TimeDelta::hours(1)),
        }
    }
}

impl Job for ConnectWebPixel {
    const NAME: &'static str = "connect_web_pixel";

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![
            self.shop_id.to_string(),
            self.requested_at.to_string(),
        ])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let key = self.requested_at.to_string();
        tracked(&ctx.db, self.shop_id, Self::NAME, &key, |_run| {
            connect(&ctx, self.shop_id)
        })
        .await
    }
}

/// The pixel's `[settings]`, as `webPixelCreate` takes them: a JSON-encoded object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PixelSettings<'a> {
    endpoint: String,
    shop_domain: &'a str,
    ingest_key: &'a str,
}

/// Why connecting failed; sorted into retry or give up by [`From`] for [`JobError`].
#[derive(Debug, thiserror::Error)]
enum ConnectError {
    #[error(transparent)]
    Pixel(#[from] WebPixelError),
    #[error(transparent)]
    Token(#[from] ShopTokenError),
    #[error(transparent)]
    Unauthorized(#[from] Unauthorized),
    #[error("Shopify reports a web pixel for this app, but the webPixel query finds none")]
    Vanished,
}

impl From<ConnectError> for JobError {
    fn from(err: ConnectError) -> Self {
        let transient = match &err {
            ConnectError::Pixel(WebPixelError::Admin(admin)) => admin.is_transient(),
            ConnectError::Token(ShopTokenError::Shopify(token)) => token.is_transient(),
            ConnectError::Token(ShopTokenError::Db(_)) | ConnectError::Vanished => true,
            // User errors say the settings or the extension are wrong: a retry sends the same.
            ConnectError::Pixel(WebPixelError::Refused { .. })
            | ConnectError::Token(_)
            | ConnectError::Unauthorized(_) => false,
        };
        if transient {
            Self::transient(err)
        } else {
            Self::Permanent(anyhow::Error::new(err).context("cannot connect the web pixel"))
        }
    }
}

/// What one Admin API call needs: the shop, its domain, and how to reach it.
struct Target<'a> {
    ctx: &'a JobContext,
    app: &'a ShopifyApp,
    client: AdminClient,
    shop_id: i64,
    domain: ShopDomain,
}

async fn connect(ctx: &JobContext, shop_id: i64) -> Result<String, JobError> {
    let app = ctx.shopify()?;
    let Some(base) = ctx.public_url.as_deref() else {
        return Err(JobError::permanent(
            "server.public_url is not set: the web pixel needs the app's public URL",
        ));
    };
    let shop = shop::Entity::find_by_id(shop_id).one(&ctx.db.conn).await?;
    let Some(shop) = shop.filter(|shop| shop.is_installed()) else {
        // Uninstalled before the job ran; a re-install queues it again.
        return Ok("skipped: shop not installed".into());
    };
    let domain = ShopDomain::parse(&shop.domain).map_err(JobError::permanent_from)?;
    let settings = serde_json::to_string(&PixelSettings {
        endpoint: format!("{}/events", base.trim_end_matches('/')),
        shop_domain: domain.as_str(),
        ingest_key: &shop.ingest_key,
    })
    .map_err(JobError::permanent_from)?;
    let client = services::sync::full::admin_client(app, RetryPolicy::default())
        .map_err(JobError::permanent_from)?;
    let target = Target {
        ctx,
        app,
        client,
        shop_id,
        domain,
    };
    let (verb, pixel) = upsert(&target, &settings).await?;
    tracing::info!(shop_id, pixel = %pixel.id, verb, "web pixel connected");
    Ok(format!("web pixel {} {verb}", pixel.id))
}

/// Updates the app's pixel if the shop has one, else creates it. A create that finds the
/// pixel taken (another run created it meanwhile) updates it instead.
async fn upsert(
    target: &Target<'_>,
    settings: &str,
) -> Result<(&'static str, WebPixel), ConnectError> {
    if let Some(existing) = find(target).await? {
        return update(target, &existing.id, settings).await;
    }
    match call(target, |c, d, t| async move {
        c.create_web_pixel(d, &t, settings).await
    })
    .await
    {
        Ok(pixel) => Ok(("created", pixel)),
        Err(ConnectError::Pixel(err)) if err.has_code("TAKEN") => {
            let existing = find(target).await?.ok_or(ConnectError::Vanished)?;
            update(target, &existing.id, settings).await
        }
        Err(err) => Err(err),
    }
}

async fn find(target: &Target<'_>) -> Result<Option<WebPixel>, ConnectError> {
    call(target, |c, d, t| async move {
        c.find_web_pixel(d, &t).await.map_err(WebPixelError::from)
    })
    .await
}

async fn update(
    target: &Target<'_>,
    id: &str,
    settings: &str,
) -> Result<(&'static str, WebPixel), ConnectError> {
    let pixel = call(target, |c, d, t| async move {
        c.update_web_pixel(d, &t, id, settings).await
    })
    .await?;
    Ok(("updated", pixel))
}

/// One Admin API call with the shop's token, refreshed once on a 401.
async fn call<'a, T, Call, Fut>(target: &'a Target<'a>, op: Call) -> Result<T, ConnectError>
where
    Call: Fn(&'a AdminClient, &'a ShopDomain, SecretString) -> Fut,
    Fut: Future<Output = Result<T, WebPixelError>>,
{
    let (client, domain) = (&target.client, &target.domain);
    let db = &target.ctx.db.conn;
    with_token(db, target.app, target.shop_id, |token| {
        let attempt = op(client, domain, token);
        async move {
            attempt.await.map_err(|err| match err {
                WebPixelError::Admin(AdminError::Unauthorized) => ApiCallError::Unauthorized,
                other => ApiCallError::Other(ConnectError::Pixel(other)),
            })
        }
    })
    .await
}
