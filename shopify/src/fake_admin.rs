//! A fake GraphQL Admin API for tests (feature `fake`): answers `bulkOperationRunQuery`
//! (with the `OPERATION_IN_PROGRESS` user error while one runs), `node(id:)` and
//! `currentBulkOperation` with the status moving CREATED → RUNNING → COMPLETED one step per
//! poll (or held RUNNING until the test completes it, as a long operation would be), and
//! serves the JSONL result at the operation's `url`. It also keeps one web pixel per shop
//! ([`web_pixel`]: the `webPixel` query, `webPixelCreate` and `webPixelUpdate`).
//!
//! Every GraphQL answer carries `extensions.cost` with a simulated leaky bucket (2,000 points,
//! 100 restored per second). Tests can queue faults in Shopify's wire formats: `THROTTLED`
//! (HTTP 200), 5xx, 429 with `Retry-After`, or 401; make the next operation end FAILED or
//! EXPIRED; or cut the next downloads half-way.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

mod web_pixel;

pub use web_pixel::PixelMutation;

/// A failure to answer instead of the real response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 200 with `errors[].extensions.code = "THROTTLED"`.
    Throttled,
    /// HTTP 429 with this `Retry-After` value (seconds, e.g. `"0.2"`).
    TooManyRequests(String),
    /// An HTTP error status (500, 502, 503, …).
    Status(u16),
    /// HTTP 401, as for an expired or revoked token.
    Unauthorized,
}

struct Operation {
    shop: String,
    status: &'static str,
    body: String,
    query: String,
    fails_as: Option<&'static str>,
}

struct State {
    address: String,
    faults: VecDeque<Fault>,
    results: HashMap<String, String>,
    operations: Vec<Operation>,
    failing_operations: VecDeque<&'static str>,
    cut_downloads: usize,
    held: bool,
    tokens: Vec<String>,
    requests: usize,
    available: f64,
    refilled_at: Instant,
    pixels: web_pixel::Pixels,
}

const MAXIMUM_AVAILABLE: f64 = 2_000.0;
const RESTORE_RATE: f64 = 100.0;

/// A running fake Admin API; stops when the test's runtime ends.
#[derive(Clone)]
pub struct FakeAdmin {
    state: Arc<Mutex<State>>,
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    handle: ServerHandle,
}

impl FakeAdmin {
    /// Starts the fake on a random local port.
    ///
    /// # Panics
    /// When no local port can be bound (a test cannot run without it).
    #[expect(clippy::expect_used, reason = "test support: fail loudly")]
    #[must_use]
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake Admin API");
        let port = listener.local_addr().expect("local address").port();
        let address = format!("http://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State {
            address: address.clone(),
            faults: VecDeque::new(),
            results: HashMap::new(),
            operations: Vec::new(),
            failing_operations: VecDeque::new(),
            cut_downloads: 0,
            held: false,
            tokens: Vec::new(),
            requests: 0,
            available: MAXIMUM_AVAILABLE,
            refilled_at: Instant::now(),
            pixels: web_pixel::Pixels::default(),
        }));
        let data = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/shops/{shop}/admin/api/{version}/graphql.json",
                    web::post().to(graphql),
                )
                .route("/bulk/{id}.jsonl", web::get().to(download))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            state,
            address,
            handle,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `shopify.shop_url_template` pointing at this fake.
    #[must_use]
    pub fn shop_url_template(&self) -> String {
        format!("{}/shops/{{shop}}", self.address)
    }

    /// The JSONL a bulk query over the root connection `root` (`products`, `collections`,
    /// `orders`) returns.
    pub fn set_result(&self, root: &str, jsonl: impl Into<String>) {
        self.lock().results.insert(root.to_owned(), jsonl.into());
    }

    /// Answers the next `times` GraphQL requests with `fault`.
    pub fn fail_next(&self, fault: &Fault, times: usize) {
        let mut state = self.lock();
        for _ in 0..times {
            state.faults.push_back(fault.clone());
        }
    }

    /// The next bulk operation started ends with `status` (`FAILED` or `EXPIRED`).
    pub fn fail_next_operation(&self, status: &'static str) {
        self.lock().failing_operations.push_back(status);
    }

    /// The next `times` downloads stop half-way with a broken connection.
    pub fn cut_next_downloads(&self, times: usize) {
        self.lock().cut_downloads += times;
    }

    /// From now on, operations stay RUNNING however often they are polled, until
    /// [`FakeAdmin::complete_all`] ends them (a long export that only the
    /// `bulk_operations/finish` webhook announces in time).
    pub fn hold_operations(&self) {
        self.lock().held = true;
    }

    /// Ids of the operations currently RUNNING.
    #[must_use]
    pub fn running_operations(&self) -> Vec<String> {
        let state = self.lock();
        (0..state.operations.len())
            .filter(|i| state.operations[*i].status == "RUNNING")
            .map(gid)
            .collect()
    }

    /// GraphQL requests received.
    #[must_use]
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    /// Bulk operations started.
    #[must_use]
    pub fn operations_started(&self) -> usize {
        self.lock().operations.len()
    }

    /// The bulk query documents received, in order.
    #[must_use]
    pub fn bulk_queries(&self) -> Vec<String> {
        self.lock()
            .operations
            .iter()
            .map(|op| op.query.clone())
            .collect()
    }

    /// `X-Shopify-Access-Token` of each request, in order.
    #[must_use]
    pub fn tokens_seen(&self) -> Vec<String> {
        self.lock().tokens.clone()
    }

    /// Completes every unfinished operation now (as when `bulk_operations/finish` fires).
    pub fn complete_all(&self) {
        for op in &mut self.lock().operations {
            if !matches!(op.status, "COMPLETED" | "FAILED" | "EXPIRED") {
                op.status = op.fails_as.unwrap_or("COMPLETED");
            }
        }
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// The first field of a bulk query document: `{ products(…) { … } }` → `products`.
fn root_field(query: &str) -> String {
    let after = query
        .split_once('{')
        .map_or("", |(_, rest)| rest)
        .trim_start();
    after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

fn cost(state: &mut State, requested: f64) -> (Value, bool) {
    let elapsed = state.refilled_at.elapsed().as_secs_f64();
    state.available = (state.available + elapsed * RESTORE_RATE).min(MAXIMUM_AVAILABLE);
    state.refilled_at = Instant::now();
    let fits = state.available >= requested;
    if fits {
        state.available -= requested;
    }
    let value = json!({"cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": if fits { json!(requested) } else { Value::Null },
        "throttleStatus": {
            "maximumAvailable": MAXIMUM_AVAILABLE,
            "currentlyAvailable": state.available.floor(),
            "restoreRate": RESTORE_RATE,
        }
    }});
    (value, fits)
}

fn fault_response(state: &mut State, fault: Fault) -> HttpResponse {
    match fault {
        Fault::Throttled => {
            // Shopify's answer when the bucket cannot hold the requested cost.
            state.available = 0.0;
            let (extensions, _) = cost(state, 10.0);
            HttpResponse::Ok().json(json!({
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": extensions,
            }))
        }
        Fault::TooManyRequests(after) => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", after))
            .json(json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})),
        Fault::Status(status) => {
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY))
                .json(json!({"errors": "Internal Server Error"}))
        }
        Fault::Unauthorized => HttpResponse::Unauthorized().json(json!({
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        })),
    }
}

async fn graphql(
    state: web::Data<Mutex<State>>,
    shop: web::Path<(String, String)>,
    request: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.requests += 1;
    let token = request
        .headers()
        .get("X-Shopify-Access-Token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    state.tokens.push(token);
    if let Some(fault) = state.faults.pop_front() {
        return fault_response(&mut state, fault);
    }
    let query = body
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let variables = body.get("variables").cloned().unwrap_or(Value::Null);
    let shop = shop.into_inner().0;
    let (requested, data) = if query.contains("bulkOperationRunQuery") {
        (10.0, run_query(&mut state, &shop, &variables))
    } else if query.contains("currentBulkOperation") {
        let latest = state.operations.iter().rposition(|op| op.shop == shop);
        let op = latest.map_or(Value::Null, |index| observe(&mut state, index));
        (1.0, json!({"currentBulkOperation": op}))
    } else if query.contains("node(") {
        let id = variables
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let index = operation_index(id)
            .filter(|i| state.operations.get(*i).is_some_and(|op| op.shop == shop));
        let op = index.map_or(Value::Null, |index| observe(&mut state, index));
        (1.0, json!({"node": op}))
    } else if web_pixel::handles(query) {
        let (extensions, fits) = cost(&mut state, 10.0);
        if !fits {
            return fault_response(&mut state, Fault::Throttled);
        }
        let mut answer = web_pixel::answer(&mut state.pixels, &shop, query, &variables);
        answer["extensions"] = extensions;
        return HttpResponse::Ok().json(answer);
    } else {
        let error = json!({"errors": [{"message": "Field is not supported by the fake", "extensions": {"code": "undefinedField"}}]});
        return HttpResponse::Ok().json(error);
    };
    let (extensions, fits) = cost(&mut state, requested);
    if !fits {
        return fault_response(&mut state, Fault::Throttled);
    }
    HttpResponse::Ok().json(json!({"data": data, "extensions": extensions}))
}

fn run_query(state: &mut State, shop: &str, variables: &Value) -> Value {
    let running = state.operations.iter().rposition(|op| {
        op.shop == shop && !matches!(op.status, "COMPLETED" | "FAILED" | "EXPIRED")
    });
    if let Some(index) = running {
        return json!({"bulkOperationRunQuery": {"bulkOperation": null, "userErrors": [{
            "field": null,
            "message": format!("A bulk query operation for this app and shop is already in progress: {}.", gid(index)),
            "code": "OPERATION_IN_PROGRESS",
        }]}});
    }
    let query = variables
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let root = root_field(&query);
    let body = state.results.get(&root).cloned().unwrap_or_default();
    let fails_as = state.failing_operations.pop_front();
    state.operations.push(Operation {
        shop: shop.to_owned(),
        status: "CREATED",
        body,
        query,
        fails_as,
    });
    let op = describe(state, state.operations.len() - 1);
    json!({"bulkOperationRunQuery": {"bulkOperation": op, "userErrors": []}})
}

fn gid(index: usize) -> String {
    format!("gid://shopify/BulkOperation/{}", index + 1)
}

fn operation_index(id: &str) -> Option<usize> {
    id.strip_prefix("gid://shopify/BulkOperation/")?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

/// A poll: moves the operation one step forward, then describes it.
fn observe(state: &mut State, index: usize) -> Value {
    let held = state.held;
    if let Some(op) = state.operations.get_mut(index) {
        op.status = match op.status {
            "CREATED" => "RUNNING",
            "RUNNING" if held => "RUNNING",
            "RUNNING" => op.fails_as.unwrap_or("COMPLETED"),
            done => done,
        };
    }
    describe(state, index)
}

fn describe(state: &State, index: usize) -> Value {
    let Some(op) = state.operations.get(index) else {
        return Value::Null;
    };
    let lines = op.body.lines().filter(|l| !l.trim().is_empty());
    let (objects, roots) = lines.fold((0_u64, 0_u64), |(all, roots), line| {
        (all + 1, roots + u64::from(!line.contains("__parentId")))
    });
    let file = format!("{}/bulk/{}.jsonl", state.address, index + 1);
    let done = op.status == "COMPLETED";
    let (count, root_count) = match op.status {
        "CREATED" => (0, 0),
        "RUNNING" => (objects / 2, roots / 2),
        _ => (objects, roots),
    };
    json!({
        "id": gid(index),
        "status": op.status,
        "errorCode": (op.status == "FAILED").then_some("INTERNAL_SERVER_ERROR"),
        "objectCount": count.to_string(),
        "rootObjectCount": root_count.to_string(),
        "url": (done && objects > 0).then(|| file.clone()),
        "partialDataUrl": (op.status == "FAILED").then_some(file),
        "query": op.query,
        "createdAt": "2026-11-25T00:00:00Z",
    })
}

async fn download(state: web::Data<Mutex<State>>, id: web::Path<String>) -> HttpResponse {
    let mut state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let index = id.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
    let Some(body) = index
        .and_then(|i| state.operations.get(i))
        .map(|op| op.body.clone())
    else {
        // Expired or unknown signed URLs answer 403 on Google Cloud Storage.
        return HttpResponse::Forbidden().body("AccessDenied");
    };
    if state.cut_downloads == 0 {
        return HttpResponse::Ok()
            .content_type("application/jsonl")
            .body(body);
    }
    state.cut_downloads -= 1;
    let half = web::Bytes::from(body.into_bytes());
    let half = half.slice(..half.len() / 2);
    let broken = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut by the fake");
    let chunks: Vec<Result<web::Bytes, std::io::Error>> = vec![Ok(half), Err(broken)];
    HttpResponse::Ok()
        .content_type("application/jsonl")
        .streaming(futures::stream::iter(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_field_of_a_bulk_query_names_its_result() {
        assert_eq!(
            root_field("{ products(query: \"x\") { edges { node { id } } } }"),
            "products"
        );
        assert_eq!(
            root_field("{\n  orders { edges { node { id } } } }"),
            "orders"
        );
        assert_eq!(operation_index("gid://shopify/BulkOperation/3"), Some(2));
    }
}
