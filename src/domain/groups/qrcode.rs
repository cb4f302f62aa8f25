//! Group invitation QR codes: `qr_info` is an opaque string carrying the group id, the
//! inviter and the expiry, signed with HMAC-SHA256 under a server secret kept in
//! `server_meta` (generated on first use, shared by every instance of the database).
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::crypto::{ct_eq, hmac_sha256_hex, new_token};
use crate::domain::common::tx;
use crate::domain::groups::invites::{invite_rank, join_one, may_still_invite};
use crate::domain::groups::roles::{Need, load_group, memberships, reading_member};
use crate::domain::identity::auth::Caller;
use crate::entity::server_meta;
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::events::catalogue::JoinedBy;
use crate::state::AppState;

/// Lifetime of a QR code: 7 days.
pub const QR_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// server_meta key of the signing secret.
pub const SECRET_KEY: &str = "qr_secret";
const PREFIX: &str = "qr1";

/// A signed QR code.
pub struct QrCode {
    pub qr_info: String,
    pub create_at: i64,
    pub expire_at: i64,
}

/// Create the server's QR signing secret unless the database has one (the first instance to
/// start creates it: INSERT ... ON CONFLICT DO NOTHING), so all instances agree on it. Run at
/// start-up (`boot::connect`), so that signing, a GET, writes nothing.
pub async fn ensure_secret<C: ConnectionTrait>(db: &C) -> Result<(), sea_orm::DbErr> {
    let row = server_meta::ActiveModel {
        key: Set(SECRET_KEY.to_owned()),
        value: Set(new_token("")),
    };
    server_meta::Entity::insert(row)
        .on_conflict(
            OnConflict::column(server_meta::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The server's QR signing secret, read once per process.
async fn secret(state: &AppState) -> ApiResult<String> {
    let secret = state
        .qr_secret
        .get_or_try_init(|| async {
            let row = server_meta::Entity::find_by_id(SECRET_KEY.to_owned())
                .one(&state.db)
                .await?;
            row.map(|r| r.value).ok_or_else(|| {
                ApiError::Internal("the QR secret is missing: start the server once".into())
            })
        })
        .await?;
    Ok(secret.clone())
}

fn signature(secret: &str, app_id: &str, group_id: i64, inviter: i64, expire_at: i64) -> String {
    let msg = format!("{PREFIX}|{app_id}|{group_id}|{inviter}|{expire_at}");
    hmac_sha256_hex(secret.as_bytes(), msg.as_bytes())
}

/// Make a QR code for a group (4.41): members, or only the owner and admins when
/// member_invite is false (20012).
pub async fn sign(state: &AppState, caller: &Caller, group_id: i64) -> ApiResult<QrCode> {
    let acting = reading_member(state, caller, group_id).await?;
    let group_id = acting.group.id;
    if acting.group.status != crate::domain::groups::roles::STATUS_NORMAL {
        return Err(ApiError::GroupNotFound(group_id));
    }
    acting.require(invite_rank(&acting.group))?;
    let inviter = acting.user_id.unwrap_or(acting.group.owner_id);
    let create_at = state.now_ms();
    let expire_at = create_at + QR_TTL_MS;
    let sig = signature(
        &secret(state).await?,
        &caller.app_id,
        group_id,
        inviter,
        expire_at,
    );
    Ok(QrCode {
        qr_info: format!("{PREFIX}.{group_id}.{inviter}.{expire_at}.{sig}"),
        create_at,
        expire_at,
    })
}

/// The (group_id, inviter, expire_at) of a well-formed code, else None.
fn parse(qr: &str) -> Option<(i64, i64, i64, &str)> {
    let mut parts = qr.trim().split('.');
    if parts.next()? != PREFIX {
        return None;
    }
    let gid = parts.next()?.parse().ok()?;
    let inviter = parts.next()?.parse().ok()?;
    let exp = parts.next()?.parse().ok()?;
    let sig = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some((gid, inviter, exp, sig))
}

/// Join the group of a QR code (4.40): tampered or foreign codes 20024, expired ones 20025,
/// codes whose inviter may no longer invite (left, or member_invite now off) 20024;
/// then a member gets 20017, a blacklisted user 20018, a full group 20010. Answers the group id.
pub async fn join(state: &AppState, caller: &Caller, qr_info: &str) -> ApiResult<i64> {
    let uid = caller.user_id()?;
    let (group_id, inviter, expire_at, sig) = parse(qr_info).ok_or(ApiError::QrInvalid)?;
    // read before the transaction: a first read goes through the pool (one connection on SQLite)
    let secret = secret(state).await?;
    tx::transaction!(state, |txn| {
        let expected = signature(&secret, &caller.app_id, group_id, inviter, expire_at);
        if !ct_eq(&expected, sig) {
            return Err(ApiError::QrInvalid);
        }
        if state.now_ms() >= expire_at {
            return Err(ApiError::QrExpired);
        }
        let group = load_group(txn, &caller.app_id, group_id, Need::Live, state.now_ms()).await?;
        let group_id = group.id;
        if !memberships(txn, group_id, vec![uid]).await?.is_empty() {
            return Err(ApiError::AlreadyMember(uid));
        }
        // A code is only as good as its inviter's right to invite now: it stops working when the
        // inviter has left the group, or is a plain member and member_invite was turned off.
        if !may_still_invite(txn, &group, inviter).await? {
            return Err(ApiError::QrInvalid);
        }
        if !join_one(txn, &group, uid, state.now_ms()).await? {
            return Err(ApiError::AlreadyMember(uid));
        }
        caller.record(EventKind::MembersJoined {
            group_id,
            user_ids: vec![uid],
            by: JoinedBy::QrCode,
        });
        Ok(group_id)
    })
}
