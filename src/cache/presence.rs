//! When each session was last seen, collected in memory by the requests (which write nothing) and
//! written to `devices.last_seen_at` in batches by a background task every [`FLUSH_EVERY`], and
//! once more at shutdown. /user/online_status reads the database and what is not yet written.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::device;
use crate::error::ApiResult;

/// How often the sightings are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(10);
/// Rows per UPDATE statement of a flush.
const CHUNK: usize = 500;

/// Sightings not yet written: device row id -> last seen (ms).
#[derive(Default)]
pub struct Presence(Mutex<HashMap<i64, i64>>);

impl Presence {
    /// A request of the session of device row `device_id` arrived at `now_ms`.
    pub fn seen(&self, device_id: i64, now_ms: i64) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let t = m.entry(device_id).or_insert(now_ms);
        *t = std::cmp::max(*t, now_ms);
    }

    /// The unwritten sighting of a device row, if any.
    pub fn pending(&self, device_id: i64) -> Option<i64> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&device_id)
            .copied()
    }

    /// Write every unwritten sighting (one UPDATE per [`CHUNK`] devices); a sighting is never
    /// moved back (`GREATEST` of the stored and the new time).
    pub async fn flush<C: ConnectionTrait>(&self, db: &C) -> ApiResult<usize> {
        let batch: Vec<(i64, i64)> =
            std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect();
        if let Err(e) = self.write(db, &batch).await {
            for &(id, t) in &batch {
                self.seen(id, t); // kept for the next flush
            }
            return Err(e);
        }
        Ok(batch.len())
    }

    async fn write<C: ConnectionTrait>(&self, db: &C, batch: &[(i64, i64)]) -> ApiResult<()> {
        for chunk in batch.chunks(CHUNK) {
            let mut case = CaseStatement::new();
            for &(id, t) in chunk {
                case = case.case(device::Column::Id.eq(id), Expr::value(t));
            }
            let newer = Expr::col(device::Column::LastSeenAt)
                .lt(case.clone().finally(Expr::col(device::Column::LastSeenAt)));
            device::Entity::update_many()
                .col_expr(
                    device::Column::LastSeenAt,
                    case.finally(Expr::col(device::Column::LastSeenAt)).into(),
                )
                .filter(device::Column::Id.is_in(chunk.iter().map(|c| c.0)))
                .filter(newer)
                .exec(db)
                .await?;
        }
        Ok(())
    }
}

/// Flush every [`FLUSH_EVERY`] until the process ends.
pub async fn run_flusher(presence: std::sync::Arc<Presence>, db: sea_orm::DatabaseConnection) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = presence.flush(&db).await {
            tracing::warn!(error = %e, "presence flush failed; retried at the next tick");
        }
    }
}
