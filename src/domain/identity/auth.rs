//! Who is calling: token kinds, whom a caller says it acts for ([`Claims`]), and the permission
//! checks that every operation shares. The domain speaks of acting users and groups; the api
//! layer reads them from the identity headers and words [`ClaimError`] with the header names.
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::cache::identity::{Fill, Session};
use crate::crypto::{ct_eq, sha256_hex};
use crate::entity::{admin_token, device, user};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Actor, Event, EventKind};
use crate::state::AppState;

pub const ADMIN_TOKEN_PREFIX: &str = "adm_";
pub const USER_TOKEN_PREFIX: &str = "usr_";

/// What a request says about its caller besides the token: its app, the user an app admin
/// token acts as, the group it acts on with owner rights.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    pub app_id: Option<String>,
    pub act_as_user: Option<i64>,
    pub act_on_group: Option<i64>,
}

pub use crate::error::ClaimError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An app admin token.
    Admin,
    /// A user token, bound to one device session.
    User { user_id: i64, device_sn: i32 },
}

/// The authenticated caller of an operation.
#[derive(Clone, Debug)]
pub struct Caller {
    pub app_id: String,
    pub kind: TokenKind,
    /// The user this call acts as: the token's user, or the one an admin token acts as.
    pub as_user: Option<i64>,
    /// The group an admin token acts on with owner rights.
    pub as_group: Option<i64>,
    /// The row of the user in `as_user`, as authentication found it (None without `as_user`).
    pub user: Option<Arc<user::Model>>,
}

impl Caller {
    /// Who this caller is in the events it causes.
    pub fn actor(&self) -> Actor {
        match self.kind {
            TokenKind::User { user_id, .. } => Actor::User { user_id },
            TokenKind::Admin => Actor::Admin {
                as_user: self.as_user,
                on_group: self.as_group,
            },
        }
    }

    /// Record `kind` as caused by this caller, in the running transaction (see crate::events).
    pub fn record(&self, kind: EventKind) {
        events::record(Event {
            app_id: self.app_id.clone(),
            actor: self.actor(),
            kind,
        });
    }

    pub fn is_admin(&self) -> bool {
        self.kind == TokenKind::Admin
    }

    /// Operations reserved to the app admin token, app-wide: an admin token acting on a group is
    /// narrowed to that one group, so it is refused here too (10010).
    pub fn require_admin(&self) -> ApiResult<()> {
        if !self.is_admin() {
            return Err(ApiError::denied("this operation needs an app admin token"));
        }
        if let Some(g) = self.as_group {
            return Err(ApiError::Claim(ClaimError::LimitedToGroup(g)));
        }
        Ok(())
    }

    /// The user the operation acts as; an admin token must name one.
    pub fn user_id(&self) -> ApiResult<i64> {
        self.as_user.ok_or(ApiError::Claim(ClaimError::NoUser))
    }
}

/// Resolve the caller of a request from its access-token and claims. Warm, this reads
/// nothing from the database: the app, the token and the user come from the identity cache.
pub async fn authenticate(state: &AppState, token: &str, claims: Claims) -> ApiResult<Caller> {
    let app = crate::domain::identity::apps::require_app(state, claims.app_id.as_deref()).await?;
    let digest = sha256_hex(token);
    if token.starts_with(ADMIN_TOKEN_PREFIX) {
        admin_caller(state, app.app_id.clone(), &digest, claims).await
    } else if token.starts_with(USER_TOKEN_PREFIX) {
        user_caller(state, app.app_id.clone(), &digest, claims).await
    } else {
        Err(ApiError::InvalidToken("invalid access-token"))
    }
}

/// An app admin token, acting as the app, as a user or as a group's owner.
async fn admin_caller(
    state: &AppState,
    app_id: String,
    digest: &str,
    claims: Claims,
) -> ApiResult<Caller> {
    let token_app = match state.identity.admin_token(digest) {
        Some(a) => a,
        None => {
            let generation = state.identity.generation();
            let row = admin_token::Entity::find()
                .filter(admin_token::Column::TokenHash.eq(digest))
                .filter(admin_token::Column::RevokedAt.is_null())
                .one(&state.db)
                .await?
                .filter(|t| ct_eq(&t.token_hash, digest))
                .ok_or(ApiError::InvalidToken("invalid access-token"))?;
            state.identity.store(
                generation,
                Fill::AdminToken {
                    digest: digest.to_owned(),
                    app_id: row.app_id.clone(),
                },
            );
            row.app_id
        }
    };
    if token_app != app_id {
        return Err(ApiError::InvalidToken(
            "access-token belongs to another app",
        ));
    }
    if claims.act_as_user.is_some() && claims.act_on_group.is_some() {
        return Err(ApiError::Claim(ClaimError::UserAndGroup));
    }
    let user = match claims.act_as_user {
        Some(uid) => Some(user_of(state, &app_id, uid).await?),
        None => None,
    };
    Ok(Caller {
        app_id,
        kind: TokenKind::Admin,
        as_user: claims.act_as_user,
        as_group: claims.act_on_group,
        user,
    })
}

/// A user token: its live session, and the user behind it (enabled, of this app).
async fn user_caller(
    state: &AppState,
    app_id: String,
    digest: &str,
    claims: Claims,
) -> ApiResult<Caller> {
    // (A cached session is found by its digest in a hash map: knowing how long a lookup of a
    // digest took reveals nothing that helps to find a token with that digest.)
    let (session, owner) = match state.identity.session(digest) {
        Some(session) => {
            let owner = user_of(state, &app_id, session.user_id)
                .await
                .map_err(|_| ApiError::InvalidToken("invalid access-token"))?;
            (session, owner)
        }
        None => load_session(state, digest).await?,
    };
    if owner.app_id != app_id {
        return Err(ApiError::InvalidToken(
            "access-token belongs to another app",
        ));
    }
    let now = state.now_ms();
    if session.expires_at <= now {
        return Err(ApiError::TokenExpired);
    }
    if owner.status != 0 {
        return Err(ApiError::InvalidToken(
            "the user of this access-token is disabled",
        ));
    }
    if claims.act_as_user.is_some_and(|u| u != owner.id) {
        return Err(ApiError::Claim(ClaimError::UserTokenAsOther));
    }
    if claims.act_on_group.is_some() {
        return Err(ApiError::Claim(ClaimError::UserTokenOnGroup));
    }
    state.presence.seen(session.device_id, now);
    Ok(Caller {
        app_id,
        kind: TokenKind::User {
            user_id: owner.id,
            device_sn: session.device_sn,
        },
        as_user: Some(owner.id),
        as_group: None,
        user: Some(owner),
    })
}

/// The session of a token digest and its user, from the database (one statement), then cached.
async fn load_session(
    state: &AppState,
    digest: &str,
) -> ApiResult<(Arc<Session>, Arc<user::Model>)> {
    let generation = state.identity.generation();
    let (device, owner) = device::Entity::find()
        .filter(device::Column::TokenHash.eq(digest))
        .find_also_related(user::Entity)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken("invalid access-token"))?;
    let owner = owner.ok_or(ApiError::InvalidToken("invalid access-token"))?;
    if !device
        .token_hash
        .as_deref()
        .is_some_and(|h| ct_eq(h, digest))
    {
        return Err(ApiError::InvalidToken("invalid access-token"));
    }
    let session = Session {
        device_id: device.id,
        user_id: owner.id,
        device_sn: device.device_sn,
        expires_at: device.token_expires_at,
    };
    state.identity.store(
        generation,
        Fill::Session {
            digest: digest.to_owned(),
            session: session.clone(),
        },
    );
    state.identity.store(generation, Fill::User(owner.clone()));
    Ok((Arc::new(session), Arc::new(owner)))
}

/// A user of the app, from the identity cache or the database (then cached); 10000 when absent.
pub async fn user_of(state: &AppState, app_id: &str, user_id: i64) -> ApiResult<Arc<user::Model>> {
    if let Some(u) = state.identity.user(user_id).filter(|u| u.app_id == app_id) {
        return Ok(u);
    }
    let generation = state.identity.generation();
    let u = user::Entity::find_by_id(user_id)
        .filter(user::Column::AppId.eq(app_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::UserNotFound(user_id.to_string()))?;
    state.identity.store(generation, Fill::User(u.clone()));
    Ok(Arc::new(u))
}
