//! The test harness: a fresh database per test (sqlite::memory:, and PostgreSQL when
//! TEST_DATABASE_URL is set), the real migrations, the real HTTP stack via poem's TestClient,
//! a manual clock, and one app with its admin token. [`TestApp::counting`] gives the same app
//! through a database handle that records the statements of each request.
#![allow(dead_code)]

pub mod groups;

use std::future::Future;
use std::sync::{Arc, Mutex};

use imserver::clock::ManualClock;
use imserver::config::Settings;
use imserver::domain::identity::apps;
use imserver::state::{AppState, State};
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::TestClient;
use poem::{Body, EndpointExt};
use serde_json::{Value, json};

pub const START_MS: i64 = 1_800_000_000_000;

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// The databases every test runs on.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.is_empty()
    {
        v.push(Backend::Postgres(url));
    }
    v
}

/// Run `body` once per backend, each on a fresh app.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in common::backends() {
                let app = common::TestApp::new(&backend).await;
                $body(app).await;
            }
        }
    };
}

pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static>>,
    pub state: State,
    pub clock: Arc<ManualClock>,
    pub app_id: String,
    pub admin_token: String,
    pub backend: Backend,
    /// What the state's database handle ran (only in an app made by [`TestApp::counting`]).
    pub statements: Option<Statements>,
}

/// The SQL of the statements that a database handle ran, oldest first (a `set_metric_callback`
/// on a clone of the test's connection: statements inside transactions included; BEGIN/COMMIT
/// and `execute_unprepared` are not reported by sea-orm).
#[derive(Clone, Default)]
pub struct Statements(Arc<Mutex<Vec<String>>>);

impl Statements {
    /// A handle of `db` whose statements are recorded here.
    pub fn on(db: &sea_orm::DatabaseConnection) -> (sea_orm::DatabaseConnection, Statements) {
        let log = Statements::default();
        let sink = log.0.clone();
        let mut db = db.clone();
        db.set_metric_callback(move |info| sink.lock().unwrap().push(info.statement.sql.clone()));
        (db, log)
    }

    /// What ran since the last take, and forget it.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The output of `f` and how many statements it ran (nothing else may run meanwhile).
    pub async fn count<T>(&self, f: impl Future<Output = T>) -> (T, usize) {
        self.take();
        let out = f.await;
        (out, self.take().len())
    }
}

/// Whether `sql` changes the database (INSERT, UPDATE, DELETE, REPLACE, possibly behind a WITH).
pub fn is_write(sql: &str) -> bool {
    let s = sql.trim_start().to_ascii_uppercase();
    let writes = ["INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE"];
    let first = s
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    writes.contains(&first)
        || (first == "WITH"
            && s.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|w| writes.contains(&w)))
}

/// A fresh, unmigrated database: sqlite::memory:, or a new schema on PostgreSQL.
async fn unmigrated(backend: &Backend) -> sea_orm::DatabaseConnection {
    match backend {
        Backend::Sqlite => imserver::db::open_pool("sqlite::memory:", 1, None)
            .await
            .expect("sqlite"),
        Backend::Postgres(url) => {
            use sea_orm::ConnectionTrait;
            // imtest_<run>_<random>: tests/cargo_tests.sh (make test) drops its run's schemas
            let run = std::env::var("IMTEST_RUN").unwrap_or_else(|_| "adhoc".into());
            let schema = format!("imtest_{run}_{}", imserver::crypto::new_id(12));
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("postgres");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("create schema");
            admin.close().await.ok();
            imserver::db::open_pool(url, 5, Some(&schema))
                .await
                .expect("postgres schema")
        }
    }
}

async fn database(backend: &Backend) -> sea_orm::DatabaseConnection {
    let db = unmigrated(backend).await;
    imserver::db::migrate(&db).await.expect("migrate");
    imserver::domain::groups::qrcode::ensure_secret(&db)
        .await
        .expect("qr secret");
    db
}

/// A migrated, empty database (no app) with a manual clock.
pub async fn empty_state(backend: &Backend) -> (State, Arc<ManualClock>) {
    let db = database(backend).await;
    let clock = Arc::new(ManualClock::new(START_MS));
    (
        Arc::new(AppState::new(db, Settings::for_tests(), clock.clone())),
        clock,
    )
}

impl TestApp {
    /// An app on a database of an earlier version: only its first `steps` migrations ran (then
    /// [`TestApp::migrate_rest`]).
    pub async fn before_migrations(backend: &Backend, steps: u32) -> TestApp {
        use migration::MigratorTrait;
        let db = unmigrated(backend).await;
        migration::Migrator::up(&db, Some(steps))
            .await
            .expect("migrate");
        imserver::domain::groups::qrcode::ensure_secret(&db)
            .await
            .expect("qr secret");
        let clock = Arc::new(ManualClock::new(START_MS));
        let state = Arc::new(AppState::without_messages(
            db,
            Settings::for_tests(),
            clock.clone(),
        ));
        let new = apps::create_app(&state, "test", None).await.expect("app");
        TestApp::serve(state, clock, new.app_id, new.admin_token, backend.clone())
    }

    /// Run the migrations still pending, then answer the same app as a server restarted on the
    /// database sees it (fresh caches; the same clock, app and admin token).
    pub async fn migrate_rest(self) -> TestApp {
        imserver::db::migrate(&self.state.db)
            .await
            .expect("migrate");
        let state = Arc::new(AppState::new(
            self.state.db.clone(),
            Settings::for_tests(),
            self.clock.clone(),
        ));
        TestApp::serve(
            state,
            self.clock,
            self.app_id,
            self.admin_token,
            self.backend,
        )
    }

    fn serve(
        state: State,
        clock: Arc<ManualClock>,
        app_id: String,
        admin_token: String,
        backend: Backend,
    ) -> TestApp {
        let client = TestClient::new(imserver::api::app(state.clone()).map_to_response().boxed());
        TestApp {
            client,
            state,
            clock,
            app_id,
            admin_token,
            backend,
            statements: None,
        }
    }

    /// A second instance of the server on this app's database: its own state and caches (as
    /// another process has), the same app, admin token and clock.
    pub fn second_instance(&self) -> TestApp {
        let state = Arc::new(AppState::new(
            (*self.state.db).clone(),
            Settings::for_tests(),
            self.clock.clone(),
        ));
        TestApp::serve(
            state,
            self.clock.clone(),
            self.app_id.clone(),
            self.admin_token.clone(),
            self.backend.clone(),
        )
    }

    pub async fn new(backend: &Backend) -> TestApp {
        let (state, clock) = empty_state(backend).await;
        let new = apps::create_app(&state, "test", None).await.expect("app");
        let client = TestClient::new(imserver::api::app(state.clone()).map_to_response().boxed());
        TestApp {
            client,
            state,
            clock,
            app_id: new.app_id,
            admin_token: new.admin_token,
            backend: backend.clone(),
            statements: None,
        }
    }

    /// The same app — database, identity cache, presence, clock, app and admin token — served
    /// through a database handle that records its statements: `counted.get(..).measured()`
    /// answers the statements of that one request, authentication included. (TestApp runs no
    /// background task, so nothing else runs statements meanwhile.)
    pub fn counting(&self) -> TestApp {
        let (state, statements) = self.counting_state();
        let state = Arc::new(state);
        let client = TestClient::new(imserver::api::app(state.clone()).map_to_response().boxed());
        TestApp {
            client,
            state,
            clock: self.clock.clone(),
            app_id: self.app_id.clone(),
            admin_token: self.admin_token.clone(),
            backend: self.backend.clone(),
            statements: Some(statements),
        }
    }

    /// A state sharing this app's caches over a database handle that records its statements,
    /// for counting the statements of domain functions.
    pub fn counting_state(&self) -> (AppState, Statements) {
        let (db, statements) = Statements::on(&self.state.db);
        (self.state.with_db(db), statements)
    }

    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            method,
            path: path.to_owned(),
            headers: vec![("app_id".into(), self.app_id.clone())],
            query: vec![],
            body: None,
        }
    }

    pub fn get(&self, path: &str) -> Call<'_> {
        self.call(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        self.call(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Call<'_> {
        self.call(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> Call<'_> {
        self.call(Method::DELETE, path)
    }

    /// Register a user through the API; answers its user_id.
    pub async fn register(&self, username: &str) -> i64 {
        let r = self
            .post("/user/register/v2")
            .json(json!({"username": username, "password": "secret123"}))
            .send()
            .await;
        r.ok();
        r.data()["user_id"].as_i64().expect("user_id")
    }

    /// Log a user in through the API; answers its token.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .post("/token/user")
            .json(json!({"name": username, "password": "secret123"}))
            .send()
            .await;
        r.ok();
        r.data()["token"].as_str().expect("token").to_owned()
    }

    /// Register and log in: (user_id, token).
    pub async fn user(&self, username: &str) -> (i64, String) {
        let id = self.register(username).await;
        (id, self.login(username).await)
    }

    /// Create a group "g" as the token's user with `members`; answers its group_id.
    pub async fn new_group(&self, token: &str, members: &[i64]) -> i64 {
        let r = self
            .post("/group/create")
            .token(token)
            .json(json!({"name": "g", "user_list": members}))
            .send()
            .await;
        r.ok()["group_id"].as_i64().unwrap()
    }

    /// A QR code of the group signed by the token's user (its `qr_info`).
    pub async fn qr_code(&self, token: &str, gid: i64) -> String {
        let r = self
            .get("/group/qrcode/sign")
            .token(token)
            .query("group_id", gid)
            .send()
            .await;
        r.ok()["qr_info"].as_str().unwrap().to_owned()
    }

    /// The member ids of a group, from its rows; asserts that groups.count agrees with them and
    /// stays within the capacity.
    pub async fn members_of(&self, gid: i64) -> std::collections::HashSet<i64> {
        use imserver::entity::{group, group_member};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let rows = group_member::Entity::find()
            .filter(group_member::Column::GroupId.eq(gid))
            .all(&self.state.db)
            .await
            .unwrap();
        let g = group::Entity::find_by_id(gid)
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            g.count,
            rows.len() as i64,
            "groups.count follows the member rows"
        );
        assert!(g.count <= g.capacity, "capacity exceeded");
        rows.into_iter().map(|m| m.user_id).collect()
    }
}

pub struct Call<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Option<(Body, &'static str)>,
}

impl<'a> Call<'a> {
    pub fn header(mut self, k: &str, v: impl ToString) -> Self {
        self.headers.retain(|(name, _)| name != k);
        self.headers.push((k.to_owned(), v.to_string()));
        self
    }

    pub fn without(mut self, k: &str) -> Self {
        self.headers.retain(|(name, _)| name != k);
        self
    }

    pub fn token(self, t: &str) -> Self {
        self.header("access-token", t)
    }

    pub fn admin(self) -> Self {
        let t = self.app.admin_token.clone();
        self.token(&t)
    }

    pub fn query(mut self, k: &str, v: impl ToString) -> Self {
        self.query.push((k.to_owned(), v.to_string()));
        self
    }

    pub fn json(mut self, v: Value) -> Self {
        self.body = Some((Body::from_string(v.to_string()), "application/json"));
        self
    }

    pub fn raw(mut self, body: &str, content_type: &'static str) -> Self {
        self.body = Some((Body::from_string(body.to_owned()), content_type));
        self
    }

    /// Send, and answer the SQL of the statements this request ran (an app from
    /// [`TestApp::counting`] only).
    pub async fn measured(self) -> (Answer, Vec<String>) {
        let statements = self
            .app
            .statements
            .clone()
            .expect("measured() needs an app from TestApp::counting()");
        statements.take();
        let answer = self.send().await;
        (answer, statements.take())
    }

    pub async fn send(self) -> Answer {
        let mut uri = self.path.clone();
        if !self.query.is_empty() {
            let q: Vec<String> = self
                .query
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencode(v)))
                .collect();
            uri = format!("{uri}?{}", q.join("&"));
        }
        let mut req = self.app.client.request(self.method, uri);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some((body, ct)) = self.body {
            req = req.content_type(ct).body(body);
        }
        let resp = req.send().await;
        let status = resp.0.status().as_u16();
        let headers = resp.0.headers().clone();
        let text = resp.0.into_body().into_string().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            body,
            headers,
        }
    }
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: poem::http::HeaderMap,
}

impl Answer {
    pub fn code(&self) -> i64 {
        self.body["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no envelope: {:?}", self))
    }

    pub fn message(&self) -> String {
        self.body["message"].as_str().unwrap_or_default().to_owned()
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Success: HTTP 200, code 200, message null.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(
            (self.status, self.code()),
            (200, 200),
            "expected success, got {:?}",
            self.body
        );
        assert!(
            self.body["message"].is_null(),
            "success carries message null: {:?}",
            self.body
        );
        &self.body["data"]
    }

    /// A business error: HTTP 200 with `code`, data null, and a message.
    #[track_caller]
    pub fn err(&self, code: i64) -> String {
        assert_eq!(
            (self.status, self.code()),
            (200, code),
            "expected code {code}, got {:?}",
            self.body
        );
        assert!(
            self.body["data"].is_null(),
            "errors carry no data: {:?}",
            self.body
        );
        let m = self.message();
        assert!(!m.is_empty(), "errors carry a message: {:?}", self.body);
        m
    }
}

/// The domain events a test app committed, as an after-commit subscriber of its seam sees them
/// ([`TestApp::events`]).
#[derive(Default)]
pub struct Events(Mutex<Vec<imserver::events::Event>>);

impl imserver::events::AfterCommit for Events {
    fn after_commit(&self, batch: &imserver::events::Batch) {
        self.0.lock().unwrap().extend(batch.events.iter().cloned());
    }
}

impl Events {
    /// The events committed since the last call, oldest first.
    pub fn take(&self) -> Vec<imserver::events::Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The kinds of [`Events::take`].
    pub fn kinds(&self) -> Vec<imserver::events::EventKind> {
        self.take().into_iter().map(|e| e.kind).collect()
    }
}

impl TestApp {
    /// From now on, collect the events this app commits.
    pub fn events(&self) -> Arc<Events> {
        let events = Arc::new(Events::default());
        self.state.seam.subscribe(events.clone());
        events
    }
}
