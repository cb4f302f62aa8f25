//! The operator's view (`GET /metrics`, Prometheus text format, through the `prometheus` crate):
//! process-wide counters below the domain, fed by the HTTP middleware, the connection limiter,
//! the identity cache and the event seam (an after-commit subscriber), and gauges read when
//! scraped (the database pool). It shows no user data: labels are route templates (every route of
//! the API is a fixed path; anything else is `unmatched`), methods, status codes and event types.
use std::sync::LazyLock;
use std::time::Instant;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::events::{AfterCommit, Batch};

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_seconds: HistogramVec,
    pub connections_open: IntGauge,
    pub cache_lookups: IntCounterVec,
    pub events: IntCounterVec,
    pub messages_stored: IntCounter,
    pub db_pool: IntGaugeVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, c: T) -> T {
    registry
        .register(Box::new(c.clone()))
        .expect("metric names are unique");
    c
}

impl Metrics {
    fn new() -> Metrics {
        let registry = Registry::new_custom(Some("imserver".into()), None).expect("prefix");
        let http_requests = register(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "HTTP requests answered, by route template, method and HTTP status",
                ),
                &["route", "method", "status"],
            )
            .expect("metric"),
        );
        let http_seconds = register(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Time to answer an HTTP request, by route template and method",
                )
                .buckets(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ]),
                &["route", "method"],
            )
            .expect("metric"),
        );
        let connections_open = register(
            &registry,
            IntGauge::new("http_connections_open", "Open client connections (HTTP)")
                .expect("metric"),
        );
        let cache_lookups = register(
            &registry,
            IntCounterVec::new(
                Opts::new("identity_cache_lookups_total", "Lookups of the identity cache (apps, tokens, sessions, users, groups, memberships, pages), by result"),
                &["result"],
            )
            .expect("metric"),
        );
        let events = register(
            &registry,
            IntCounterVec::new(
                Opts::new("events_total", "Domain events committed, by type"),
                &["type"],
            )
            .expect("metric"),
        );
        let messages_stored = register(
            &registry,
            IntCounter::new(
                "messages_stored_total",
                "Messages stored (one per target conversation; broadcasts once)",
            )
            .expect("metric"),
        );
        let db_pool = register(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "db_pool_connections",
                    "Database pool connections when scraped, by state (open, idle)",
                ),
                &["state"],
            )
            .expect("metric"),
        );
        Metrics {
            registry,
            http_requests,
            http_seconds,
            connections_open,
            cache_lookups,
            events,
            messages_stored,
            db_pool,
        }
    }

    /// The text format of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // encoding into a Vec cannot fail but for a metric without samples, which is skipped
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// One answered HTTP request.
    pub fn http(&self, route: &str, method: &str, status: u16, started: Instant) {
        self.http_requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.http_seconds
            .with_label_values(&[route, method])
            .observe(started.elapsed().as_secs_f64());
    }

    pub fn cache_lookup(&self, hit: bool) {
        self.cache_lookups
            .with_label_values(&[if hit { "hit" } else { "miss" }])
            .inc();
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// The seam's after-commit subscriber counting committed events.
pub struct EventCounter;

impl AfterCommit for EventCounter {
    fn after_commit(&self, batch: &Batch) {
        let m = global();
        for event in &batch.events {
            let name = event.kind.name();
            m.events.with_label_values(&[name]).inc();
            if name == "message_sent" {
                m.messages_stored.inc();
            }
        }
    }
}
