//! The fake's REST endpoints under `/api/`: routing, the checks of [`super::gate`], the
//! request record, and the account endpoint; the others live one file per resource.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::reply::{Refused, respond};
use super::store::RecordedRequest;
use super::{Inner, events, gate, jobs, profiles, reply, schema};
use crate::endpoint::Endpoint;

/// A matched API route.
enum Route {
    Accounts,
    Profiles,
    CreateJob,
    Job(String),
    JobErrors(String),
    CreateEvent,
    BulkEvents,
}

impl Route {
    fn parse(method: &str, path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        match (method, segments.as_slice()) {
            ("GET", ["api", "accounts"]) => Some(Self::Accounts),
            ("GET", ["api", "profiles"]) => Some(Self::Profiles),
            ("POST", ["api", "profile-bulk-import-jobs"]) => Some(Self::CreateJob),
            ("GET", ["api", "profile-bulk-import-jobs", id]) => Some(Self::Job((*id).to_owned())),
            ("GET", ["api", "profile-bulk-import-jobs", id, "import-errors"]) => {
                Some(Self::JobErrors((*id).to_owned()))
            }
            ("POST", ["api", "events"]) => Some(Self::CreateEvent),
            ("POST", ["api", "event-bulk-create-jobs"]) => Some(Self::BulkEvents),
            _ => None,
        }
    }

    fn endpoint(&self) -> Endpoint {
        match self {
            Self::Accounts => Endpoint::GetAccounts,
            Self::Profiles => Endpoint::GetProfiles,
            Self::CreateJob => Endpoint::CreateProfileImportJob,
            Self::Job(_) => Endpoint::GetProfileImportJob,
            Self::JobErrors(_) => Endpoint::GetProfileImportErrors,
            Self::CreateEvent => Endpoint::CreateEvent,
            Self::BulkEvents => Endpoint::CreateEventBulkJob,
        }
    }

    fn request_schema(&self) -> Option<&'static str> {
        match self {
            Self::CreateJob => Some(schema::PROFILE_IMPORT),
            Self::CreateEvent => Some(schema::EVENT_CREATE),
            Self::BulkEvents => Some(schema::EVENT_BULK),
            _ => None,
        }
    }
}

/// Every request that is not OAuth lands here.
pub(crate) async fn handle(
    inner: web::Data<Inner>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let route = Route::parse(req.method().as_str(), req.path());
    let endpoint = route.as_ref().map(Route::endpoint);
    let response = answer(&inner, &req, &body, route).unwrap_or_else(|refusal| *refusal);
    record(&inner, &req, &body, endpoint, response.status().as_u16());
    response
}

fn answer(
    inner: &Inner,
    req: &HttpRequest,
    body: &[u8],
    route: Option<Route>,
) -> Result<HttpResponse, Refused> {
    gate::outage(inner)?;
    let route = route.ok_or_else(|| reply::not_found(req.path()))?;
    gate::revision(inner, req)?;
    let granted = gate::credential(inner, req)?;
    gate::scopes(route.endpoint(), &granted)?;
    gate::rate(inner, route.endpoint())?;
    let document = match route.request_schema() {
        Some(name) => gate::body(inner, req, body, name)?,
        None => Value::Null,
    };
    let query = query_map(req.query_string());
    match route {
        Route::Accounts => Ok(accounts(inner)),
        Route::Profiles => profiles::list(inner, &query),
        Route::CreateJob => jobs::create(inner, &document),
        Route::Job(id) => jobs::get(inner, &id),
        Route::JobErrors(id) => jobs::errors(inner, &id, &query),
        Route::CreateEvent => events::create(inner, &document),
        Route::BulkEvents => events::bulk(inner, &document),
    }
}

fn record(inner: &Inner, req: &HttpRequest, body: &[u8], endpoint: Option<Endpoint>, status: u16) {
    let headers = req
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    inner.state().requests.push(RecordedRequest {
        at: std::time::Instant::now(),
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers,
        body: body.to_vec(),
        endpoint,
        status,
    });
}

fn query_map(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn accounts(inner: &Inner) -> HttpResponse {
    let id = super::ACCOUNT_ID;
    let link = format!("{}/api/accounts/{id}/", inner.address);
    let value = json!({
        "data": [{
            "type": "account",
            "id": id,
            "attributes": {
                "test_account": false,
                "contact_information": {
                    "default_sender_name": "Meander Demo",
                    "default_sender_email": "hello@meander.test",
                    "website_url": "https://meander.test",
                    "organization_name": "Meander Demo Shop",
                    "street_address": {
                        "address1": "1 Test Street", "address2": null, "city": "Boston",
                        "region": "MA", "country": "United States", "zip": "02110"
                    }
                },
                "industry": "Retail",
                "timezone": "America/New_York",
                "preferred_currency": "USD",
                "public_api_key": id,
                "locale": "en-US"
            },
            "links": { "self": link }
        }],
        "links": { "self": format!("{}/api/accounts/", inner.address) }
    });
    respond(inner, 200, schema::ACCOUNTS, &value)
}
