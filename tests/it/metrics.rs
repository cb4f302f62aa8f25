//! GET /metrics: the Prometheus text format, counting requests by route template, method and
//! status, committed events and stored messages, the database pool; with a metrics token it
//! refuses a scrape without it. No user data in it.
use std::sync::Arc;

use crate::common;

use common::TestApp;
use imserver::config::Settings;
use imserver::state::AppState;
use poem::EndpointExt;
use poem::test::TestClient;
use serde_json::json;

/// The value of the sample `name{labels}` (labels as the text format writes them), 0 when absent.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let resp = app.client.get("/metrics").send().await;
    resp.assert_status_is_ok();
    resp.0.into_body().into_string().await.unwrap()
}

db_test!(
    metrics_count_requests_events_and_messages,
    |app: TestApp| async move {
        let (_, ta) = app.user("alice").await;
        let (b, _) = app.user("bob").await;
        let before = scrape(&app).await;
        let profile =
            r#"imserver_http_requests_total{method="GET",route="/user/profile",status="200"}"#;
        let unmatched =
            r#"imserver_http_requests_total{method="GET",route="unmatched",status="404"}"#;
        let sent = r#"imserver_events_total{type="message_sent"}"#;
        app.get("/user/profile").token(&ta).send().await.ok();
        app.get("/no/such/route?secret=1").token(&ta).send().await;
        app.post("/message/send")
            .token(&ta)
            .json(json!({"type": 1, "targets": [b], "content_type": 0, "content": "hi"}))
            .send()
            .await
            .ok();
        let after = scrape(&app).await;
        // other tests of this process count too: at least this test's requests
        assert!(
            sample(&after, profile) >= sample(&before, profile) + 1.0,
            "{after}"
        );
        assert!(sample(&after, unmatched) >= sample(&before, unmatched) + 1.0);
        assert!(sample(&after, sent) >= sample(&before, sent) + 1.0);
        assert!(after.contains("imserver_http_request_duration_seconds_bucket"));
        assert!(after.contains("imserver_messages_stored_total"));
        assert!(after.contains("imserver_identity_cache_lookups_total{result=\"hit\"}"));
        assert!(after.contains("imserver_db_pool_connections{state=\"open\"}"));
        // no path beyond the route templates, no query, no token
        assert!(
            !after.contains("/no/such/route") && !after.contains("secret") && !after.contains(&ta)
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_token_guards_the_scrape() {
    let base = TestApp::new(&common::Backend::Sqlite).await;
    let settings = Settings {
        metrics_token_digest: Some(imserver::crypto::sha256_hex("scrape-me")),
        ..Settings::for_tests()
    };
    let state = Arc::new(AppState::new(
        (*base.state.db).clone(),
        settings,
        base.clock.clone(),
    ));
    let client = TestClient::new(imserver::api::app(state).map_to_response().boxed());
    client
        .get("/metrics")
        .send()
        .await
        .assert_status(poem::http::StatusCode::UNAUTHORIZED);
    client
        .get("/metrics")
        .header("authorization", "Bearer wrong")
        .send()
        .await
        .assert_status(poem::http::StatusCode::UNAUTHORIZED);
    let resp = client
        .get("/metrics")
        .header("authorization", "Bearer scrape-me")
        .send()
        .await;
    resp.assert_status_is_ok();
    let text = resp.0.into_body().into_string().await.unwrap();
    assert!(text.contains("imserver_http_requests_total"));
}
