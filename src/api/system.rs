//! Liveness and readiness probes.
use poem_openapi::{Object, OpenApi};
use sea_orm::ConnectionTrait;

use super::ApiTags;
use super::envelope::R;
use crate::error::ApiError;
use crate::state::State;

pub struct SystemApi(pub State);

#[derive(Object)]
pub struct Health {
    /// "up" for /health; "ready" for /ready
    pub status: String,
}

#[OpenApi(tag = "ApiTags::System")]
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
