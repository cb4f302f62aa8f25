//! The committed spec equals what the code generates; identity, names and envelopes as the
//! generated clients need them.
use imserver::state::AppState;

#[test]
fn committed_spec_matches_the_code() {
    let st = AppState::offline();
    let json = imserver::api::spec_json(&st);
    let yaml = imserver::api::spec_yaml(&st);
    let root = env!("CARGO_MANIFEST_DIR");
    let committed_json =
        std::fs::read_to_string(format!("{root}/openapi/openapi.json")).unwrap_or_default();
    let committed_yaml =
        std::fs::read_to_string(format!("{root}/openapi/openapi.yaml")).unwrap_or_default();
    assert!(
        committed_json == json,
        "openapi/openapi.json is stale: run `make openapi` and commit it"
    );
    assert!(
        committed_yaml == yaml,
        "openapi/openapi.yaml is stale: run `make openapi` and commit it"
    );
}

/// Identity is declared once, as security schemes: `app_id` with `access-token` (AND), and the
/// admin's `act_as_user` / `act_on_group` as alternatives; no operation has a header parameter.
#[test]
fn identity_is_a_set_of_security_schemes() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let schemes = &spec["components"]["securitySchemes"];
    for (scheme, header) in [
        ("app_id", "app_id"),
        ("access-token", "access-token"),
        ("act_as_user", "user_id"),
        ("act_on_group", "group_id"),
    ] {
        assert_eq!(
            (
                &schemes[scheme]["type"],
                &schemes[scheme]["in"],
                &schemes[scheme]["name"]
            ),
            (&"apiKey".into(), &"header".into(), &header.into())
        );
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            assert!(
                params.iter().all(|p| p["in"] != "header"),
                "{method} {path} has a header parameter"
            );
            let system = op["tags"].as_array().unwrap().iter().any(|t| t == "System");
            let Some(reqs) = op["security"].as_array() else {
                assert!(system, "{method} {path} declares no security");
                continue;
            };
            let sets: Vec<Vec<&str>> = reqs
                .iter()
                .map(|r| r.as_object().unwrap().keys().map(String::as_str).collect())
                .collect();
            assert!(
                sets.iter().all(|s| s.contains(&"app_id")),
                "{method} {path}: app_id in every requirement: {sets:?}"
            );
            assert!(
                sets.iter().any(|s| s.contains(&"act_as_user")) || sets == [vec!["app_id"]],
                "{method} {path}: {sets:?}"
            );
        }
    }
}

/// Every operation has a verb name from `OPERATION_NAMES`; a POST twin of a PUT or DELETE
/// handler is its deprecated alias `{name}Post`.
#[test]
fn every_operation_has_a_verb_name_and_post_twins_are_aliases() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let canonical = item
            .get("put")
            .or_else(|| item.get("delete"))
            .map(|o| o["operationId"].as_str().unwrap().to_owned());
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.chars().all(|c| c.is_ascii_alphanumeric())
                    && id.starts_with(|c: char| c.is_ascii_lowercase()),
                "{method} {path}: {id}"
            );
            assert!(seen.insert(id.to_owned()), "operationId {id} repeats");
            if method == "post" && canonical.as_ref().is_some_and(|c| id == format!("{c}Post")) {
                assert_eq!(
                    op["deprecated"], true,
                    "{path}: the POST alias is deprecated"
                );
            } else {
                assert!(
                    op.get("deprecated").is_none() || path.contains("public_list"),
                    "{method} {path} is deprecated"
                );
            }
        }
    }
    assert_eq!(
        imserver::api::kit::spec::operation_name(&poem::http::Method::GET, "/group/member_list"),
        Some("listGroupMembers")
    );
}

/// An operation answers its success envelope or an ErrorEnvelope (HTTP 200), ErrorEnvelope on
/// HTTP 500; success envelopes have code 200 and every field required; ErrorCode is the table.
#[test]
fn envelopes_are_typed_success_or_error() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let schemas = &spec["components"]["schemas"];
    let codes: Vec<i64> = imserver::error::ERROR_CODES
        .iter()
        .map(|r| r.code as i64)
        .filter(|c| *c != 200)
        .collect();
    assert_eq!(schemas["ErrorCode"]["enum"], serde_json::json!(codes));
    assert_eq!(
        schemas["ErrorCode"]["x-enum-varnames"]
            .as_array()
            .map(Vec::len),
        Some(codes.len())
    );
    for (name, schema) in schemas.as_object().unwrap() {
        if name.starts_with("Envelope_") || name.starts_with("EnvelopePage_") {
            assert_eq!(
                schema["properties"]["code"]["enum"],
                serde_json::json!([200]),
                "{name}"
            );
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            let fields: Vec<&str> = schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert!(
                fields.iter().all(|f| required.contains(f)),
                "{name}: {required:?}"
            );
        }
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let ok = &op["responses"]["200"]["content"]["application/json; charset=utf-8"]["schema"]
                ["oneOf"];
            assert_eq!(
                ok[1]["$ref"], "#/components/schemas/ErrorEnvelope",
                "{method} {path}"
            );
            let fault = &op["responses"]["500"]["content"]["application/json; charset=utf-8"]["schema"]
                ["$ref"];
            assert_eq!(
                fault, "#/components/schemas/ErrorEnvelope",
                "{method} {path}"
            );
        }
    }
}

/// typescript-fetch tries a `oneOf`'s members in the order of their class names (the schema
/// name without `_`) and takes the first whose check passes; its check of ErrorEnvelope passes
/// on a success too, so every success envelope must come first (issue 21: it lost every paged
/// answer when `PageEnvelope_*` sorted after `ErrorEnvelope`).
#[test]
fn every_success_envelope_sorts_before_the_error_envelope() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let class = |r: &serde_json::Value| {
        r["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .replace('_', "")
    };
    let mut seen = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let one_of = op["responses"]["200"]["content"]["application/json; charset=utf-8"]
                ["schema"]["oneOf"]
                .as_array()
                .unwrap();
            let (success, error) = (class(&one_of[0]), class(&one_of[1]));
            assert!(success < error, "{method} {path}: {success} after {error}");
            seen += 1;
        }
    }
    assert!(seen > 150, "{seen}");
}

/// Every fixed value set is a named component schema with the names of its values, and its
/// fields refer to it (hey-api, typescript-fetch and openapi-python-client name the type).
#[test]
fn fixed_value_sets_are_named_components() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let named: Vec<&String> = schemas
        .iter()
        .filter(|(_, s)| s.get("enum").is_some() && s.get("x-enum-varnames").is_some())
        .map(|(n, _)| n)
        .collect();
    assert!(named.len() >= 8, "{named:?}");
    for name in &named {
        let s = &schemas[name.as_str()];
        assert_eq!(
            s["enum"].as_array().map(Vec::len),
            s["x-enum-varnames"].as_array().map(Vec::len),
            "{name}"
        );
    }
    // no inline enum is left but the success envelopes' `code` 200
    let text = serde_json::to_string(&spec["paths"]).unwrap();
    assert!(!text.contains("\"enum\""), "an inline enum in a parameter");
    for (name, schema) in schemas {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            if prop.get("enum").is_some() {
                assert_eq!(field, "code", "{name}.{field} is an inline enum");
            }
        }
    }
    assert_eq!(
        schemas["DeviceInfo"]["properties"]["platform"]["$ref"],
        "#/components/schemas/Platform"
    );
    assert_eq!(schemas["Platform"]["x-enum-varnames"][1], "Ios");
    assert_eq!(schemas["GroupType"]["enum"], serde_json::json!([0, 2]));
}

#[test]
fn nullable_references_are_the_reference_or_null() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    // an optional reference: announcement/last answers null before the first announcement
    let data =
        &spec["components"]["schemas"]["Envelope_optional_Announcement"]["properties"]["data"];
    assert!(
        data.get("type").is_none(),
        "a type beside the allOf makes openapi-python-client drop null"
    );
    assert_eq!(data["nullable"], true);
    assert_eq!(
        data["allOf"],
        serde_json::json!([{"$ref": "#/components/schemas/Announcement"}])
    );
    // a success's data is never null: a plain reference
    let data = &spec["components"]["schemas"]["Envelope_Profile"]["properties"]["data"];
    assert_eq!(
        data,
        &serde_json::json!({"$ref": "#/components/schemas/Profile"})
    );
    let total = &spec["components"]["schemas"]["EnvelopePage_GroupMember"]["properties"]["total"];
    assert!(
        total.get("nullable").is_none(),
        "a list's total is always sent: {total}"
    );
}

#[test]
fn every_page_size_parameter_declares_the_same_bounds_and_a_default() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut seen = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = &p["schema"];
                match p["name"].as_str().unwrap() {
                    "limit" | "page_size" => {
                        seen += 1;
                        assert_eq!(schema["minimum"], 1.0, "{method} {path}");
                        assert_eq!(
                            schema["maximum"],
                            imserver::domain::common::paging::MAX_LIMIT as f64,
                            "{method} {path}"
                        );
                        // a documented required limit (/message/conversation) has no default
                        if p["required"] != true {
                            assert!(schema["default"].is_u64(), "{method} {path}: {schema}");
                        }
                    }
                    "page_num" => assert_eq!(
                        (&schema["minimum"], &schema["default"]),
                        (&1.0.into(), &1.into())
                    ),
                    _ => {}
                }
            }
        }
    }
    assert_eq!(
        seen, 9,
        "member, banned, blocked, invitation and application lists, /user/list, roster list and apply/list, a conversation's history"
    );
}

/// The bounds the spec declares for a text field (in attributes) are the ones the domain
/// checks (its constants): one rule, written where the spec needs it and tested to agree.
/// (`None`: the minimum differs by operation, e.g. logging in takes any password.)
#[test]
fn declared_text_bounds_are_the_domain_rules() {
    use imserver::domain::groups::invites as group_invites;
    use imserver::domain::users::{accounts as users, push};
    let rules: [(&str, Option<u64>, u64); 6] = [
        ("username", Some(users::USERNAME_MIN), users::USERNAME_MAX),
        ("password", None, users::PASSWORD_MAX), // logging in takes any password (min 1)
        ("push_token", None, push::MAX_PUSH_TOKEN_LEN as u64),
        ("device_token", Some(1), push::MAX_PUSH_TOKEN_LEN as u64),
        ("alias", None, push::MAX_ALIAS_LEN as u64),
        ("reason", None, group_invites::REASON_MAX as u64),
    ];
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut fields: Vec<(String, serde_json::Value)> = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            fields.push((format!("{name}.{field}"), prop.clone()));
        }
    }
    for ops in spec["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                fields.push((
                    format!("parameter.{}", p["name"].as_str().unwrap()),
                    p["schema"].clone(),
                ));
            }
        }
    }
    for (field, min, max) in rules {
        let declared: Vec<_> = fields
            .iter()
            .filter(|(f, s)| f.ends_with(&format!(".{field}")) && s.get("maxLength").is_some())
            .collect();
        assert!(
            !declared.is_empty(),
            "no field `{field}` declares its bounds"
        );
        for (f, s) in declared {
            assert_eq!(s["maxLength"].as_u64(), Some(max), "{f}: {s}");
            if let Some(min) = min {
                assert_eq!(s["minLength"].as_u64(), Some(min), "{f}: {s}");
            }
        }
    }
}

/// Fixed value sets are enums with names; null is declared where the server takes it; ids say
/// they stay below 2^53.
#[test]
fn value_sets_nulls_and_ids_are_declared() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let s = &spec["components"]["schemas"];
    // a field of a value set refers to its named component
    let set = |schema: &str, field: &str| {
        let r = s[schema]["properties"][field]["$ref"]
            .as_str()
            .unwrap_or_default();
        &s[r.rsplit('/').next().unwrap_or_default()]
    };
    assert_eq!(set("GroupInfo", "type")["enum"], serde_json::json!([0, 2]));
    assert_eq!(
        set("GroupInfo", "type")["x-enum-varnames"],
        serde_json::json!(["PrivateGroup", "Chatroom"])
    );
    assert_eq!(
        set("DeviceInfo", "platform")["x-enum-varnames"]
            .as_array()
            .map(Vec::len),
        Some(7)
    );
    assert_eq!(
        set("GroupInvitation", "status")["enum"],
        serde_json::json!([0, 1, 2])
    );
    assert_eq!(
        set("UserResult", "result")["enum"],
        serde_json::json!(["success", "fail"])
    );
    assert!(
        s["PushModeReq"]["properties"]["msg_push_mode"]
            .get("enum")
            .is_none(),
        "a bad push mode is 20003, not a schema error"
    );
    for field in [
        "auth_question",
        "auth_answer",
        "push_nick_name",
        "push_token",
    ] {
        assert_eq!(
            s["UserSettingsUpdate"]["properties"][field]["nullable"], true,
            "{field}"
        );
    }
    let member_list = &spec["paths"]["/group/member_list"]["get"]["parameters"];
    let param = |name: &str| {
        member_list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(param("cursor")["schema"]["nullable"], true);
    assert_eq!(
        param("group_id")["schema"]["maximum"],
        imserver::api::kit::spec::MAX_ID
    );
    assert_eq!(
        s["GroupInfo"]["properties"]["owner_id"]["maximum"],
        imserver::api::kit::spec::MAX_ID
    );
}

/// Every operation is tagged with one of the areas, listed in TAG_ORDER with a description.
#[test]
fn tags_are_the_areas_in_order() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let tags: Vec<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        imserver::api::tag_order(),
        "the spec's tags are TAG_ORDER, in its order"
    );
    assert!(
        spec["tags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["description"].as_str().is_some_and(|d| !d.is_empty()))
    );
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_tags = op["tags"].as_array().unwrap();
            assert!(
                op_tags.len() == 1 && tags.contains(&op_tags[0].as_str().unwrap()),
                "{method} {path}: {op_tags:?}"
            );
        }
    }
}

/// The spec's description names the areas it serves, friends among them.
#[test]
fn the_description_names_every_area() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let description = spec["info"]["description"].as_str().unwrap();
    let first = description.lines().next().unwrap();
    for area in ["users", "devices", "push settings", "friends", "groups"] {
        assert!(first.contains(area), "{area} missing from {first:?}");
    }
}

/// The README's client examples are the gate journeys' own code: every region between
/// `// README example begin: NAME` and `// README example end` in a journey stands in the README
/// (dedented) as a block opening with `// README example: NAME`.
#[test]
fn readme_client_examples_are_the_journeys_code() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let mut seen = 0;
    for journey in ["tests/gate/ts/journey.ts", "tests/gate/ts/journey-fetch.ts"] {
        let text = std::fs::read_to_string(format!("{root}/{journey}")).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(name) = line.trim().strip_prefix("// README example begin: ") else {
                continue;
            };
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| l.trim() != "// README example end")
                .collect();
            let indent = body
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let mut block = format!("```ts\n// README example: {name}\n");
            for l in &body {
                block.push_str(l.get(indent..).unwrap_or(""));
                block.push('\n');
            }
            block.push_str("```");
            assert!(
                readme.contains(&block),
                "README lacks the example {name} of {journey} as it stands there:\n{block}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 3, "{seen} examples");
}

/// A field whose type is a named schema refers to it alone (`allOf` of the one reference, the
/// description beside it): a second member holding the description makes client generators build
/// an anonymous copy of the model (`SessionMessageFromXid` instead of `Xid`).
#[test]
fn a_described_reference_is_the_reference() {
    let spec: serde_json::Value =
        serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut seen = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(members) = prop["allOf"].as_array() {
                seen += 1;
                assert!(
                    members.len() == 1 && members[0].get("$ref").is_some(),
                    "{name}.{field}: {prop}"
                );
            }
        }
    }
    assert!(
        seen >= 3,
        "SessionMessage.from_xid, to_xid, UnreadConversation.conversation_id"
    );
}
