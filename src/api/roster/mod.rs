//! Friends (chapter 3, the roster).
pub mod friends;

use poem::http::Method;
use poem_openapi::Tags;

use crate::state::State;

/// The areas of this capability, in the order Swagger UI shows them ([`TAGS`]).
#[derive(Tags)]
pub enum Tag {
    /// Friends (roster, chapter 3)
    Friends,
}

/// The names of [`Tag`], in its order.
pub const TAGS: &[&str] = &["Friends"];

/// The operations' verb names (`operationId`): path, method (`None`: every method of one
/// handler), name.
pub const OPERATION_NAMES: &[(&str, Option<Method>, &str)] = &[
    ("/roster/apply", None, "requestFriend"),
    ("/roster/apply/batch", None, "requestFriends"),
    ("/roster/apply/list", None, "listFriendRequests"),
    ("/roster/accept", None, "acceptFriendRequest"),
    ("/roster/decline", None, "declineFriendRequest"),
    ("/roster/delete", None, "deleteFriend"),
    ("/roster/ext", None, "updateFriendExt"),
    ("/roster/list", Some(Method::GET), "listFriends"),
    ("/roster/list", Some(Method::POST), "getRosterItems"),
    ("/roster/id", None, "findUserById"),
    ("/roster/mobile", None, "findUserByMobile"),
    ("/roster/name", None, "findUserByName"),
    ("/roster/may_message", None, "mayMessage"),
    ("/roster/block", None, "addToBlacklist"),
    ("/roster/unblock", None, "removeFromBlacklist"),
    ("/roster/blocked_list", None, "listBlacklist"),
];

/// The endpoint structs of this capability (mounted by `api::capabilities!`).
pub type Apis = friends::RosterApi;

pub fn apis(state: &State) -> Apis {
    friends::RosterApi(state.clone())
}
