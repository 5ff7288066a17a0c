//! Shared set-up: a fake Klaviyo and a client pointed at it.

use std::sync::Arc;

use klaviyo::fake::FakeKlaviyo;
use klaviyo::{Client, Config, RateLimiter, Unlimited};

/// A fake and a client with the fake's full-scope API key and no client-side pacing
/// (tests about pacing build their own client).
pub struct TestKlaviyo {
    pub fake: FakeKlaviyo,
    pub client: Client,
}

pub fn spawn() -> TestKlaviyo {
    let fake = FakeKlaviyo::start();
    let client = client_for(fake.config(), Arc::new(Unlimited));
    TestKlaviyo { fake, client }
}

pub fn client_for(config: Config, limiter: Arc<dyn RateLimiter>) -> Client {
    Client::with_limiter(config, limiter).unwrap_or_else(|err| panic!("client: {err}"))
}
