//! Liveness and readiness probes.
use poem::http::Method;
use poem_openapi::{Object, OpenApi, Tags};
use sea_orm::ConnectionTrait;

use crate::api::kit::envelope::R;
use crate::error::ApiError;
use crate::state::State;

pub struct SystemApi(pub State);

#[derive(Object)]
pub struct Health {
    /// "up" for /health; "ready" for /ready
    pub status: String,
}

#[OpenApi(tag = "Tag::System")]
impl SystemApi {
    /// Process is up
    ///
    /// Answers as long as the process serves HTTP; touches nothing else.
    #[oai(path = "/health", method = "get")]
    async fn health(&self) -> R<Health> {
        Ok(Health {
            status: "up".into(),
        })
        .into()
    }

    /// Database is reachable
    ///
    /// Runs one trivial query; answers HTTP 500 with code 20000 when the database does not answer.
    #[oai(path = "/ready", method = "get")]
    async fn ready(&self) -> R<Health> {
        let result = self.0.db.execute_unprepared("SELECT 1").await;
        result
            .map(|_| Health {
                status: "ready".into(),
            })
            .map_err(ApiError::from)
            .into()
    }
}

/// The areas of this capability, in the order Swagger UI shows them ([`TAGS`]).
#[derive(Tags)]
pub enum Tag {
    /// Probes of the server itself (no app_id, no token)
    System,
}

/// The names of [`Tag`], in its order.
pub const TAGS: &[&str] = &["System"];

/// The operations' verb names (`operationId`): path, method (`None`: every method of one
/// handler), name.
pub const OPERATION_NAMES: &[(&str, Option<Method>, &str)] = &[
    ("/health", None, "getHealth"),
    ("/ready", None, "getReadiness"),
];

/// The endpoint structs of this capability (mounted by `api::capabilities!`).
pub type Apis = SystemApi;

pub fn apis(state: &State) -> Apis {
    SystemApi(state.clone())
}
