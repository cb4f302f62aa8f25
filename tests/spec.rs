//! The committed spec equals what the code generates, and documents the identity headers.
use imserver::state::AppState;

#[test]
fn committed_spec_matches_the_code() {
    let st = AppState::offline();
    let json = imserver::api::spec_json(&st);
    let yaml = imserver::api::spec_yaml(&st);
    let root = env!("CARGO_MANIFEST_DIR");
    let committed_json = std::fs::read_to_string(format!("{root}/openapi/openapi.json")).unwrap_or_default();
    let committed_yaml = std::fs::read_to_string(format!("{root}/openapi/openapi.yaml")).unwrap_or_default();
    assert!(committed_json == json, "openapi/openapi.json is stale: run `make openapi` and commit it");
    assert!(committed_yaml == yaml, "openapi/openapi.yaml is stale: run `make openapi` and commit it");
}

#[test]
fn every_operation_documents_the_identity_headers() {
    let spec: serde_json::Value = serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let tags = op["tags"].as_array().cloned().unwrap_or_default();
            if tags.iter().any(|t| t == "System") {
                continue;
            }
            let headers: Vec<(String, bool)> = op["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|p| p["in"] == "header")
                .map(|p| (p["name"].as_str().unwrap().to_owned(), p["required"].as_bool().unwrap()))
                .collect();
            assert!(headers.contains(&("app_id".into(), true)), "{method} {path} lacks app_id");
            if op.get("security").is_some() {
                assert!(headers.contains(&("user_id".into(), false)), "{method} {path} lacks user_id");
                assert!(headers.contains(&("group_id".into(), false)), "{method} {path} lacks group_id");
            }
        }
    }
}

#[test]
fn every_operation_has_a_unique_operation_id_from_method_and_path() {
    use poem::http::Method;
    use imserver::api::spec::operation_id;
    assert_eq!(operation_id(&Method::GET, "/user/profile"), "get_user_profile");
    assert_eq!(operation_id(&Method::POST, "/user/register/v2"), "post_user_register_v2");
    assert_eq!(operation_id(&Method::DELETE, "/group/{id}/x"), "delete_group_id_x");
    let spec: serde_json::Value = serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert_eq!(id, operation_id(&method.to_uppercase().parse().unwrap(), path));
            assert!(seen.insert(id.to_owned()), "operationId {id} repeats");
        }
    }
}

#[test]
fn nullable_references_are_the_reference_or_null() {
    let spec: serde_json::Value = serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let data = &spec["components"]["schemas"]["Envelope_Profile"]["properties"]["data"];
    assert!(data.get("type").is_none(), "a type beside the allOf makes openapi-python-client drop null");
    assert_eq!(data["nullable"], true);
    assert_eq!(data["allOf"], serde_json::json!([{"$ref": "#/components/schemas/Profile"}]));
}

#[test]
fn every_page_size_parameter_declares_the_same_bounds_and_a_default() {
    let spec: serde_json::Value = serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut seen = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = &p["schema"];
                match p["name"].as_str().unwrap() {
                    "limit" | "page_size" => {
                        seen += 1;
                        assert_eq!(schema["minimum"], 1.0, "{method} {path}");
                        assert_eq!(schema["maximum"], imserver::domain::paging::MAX_LIMIT as f64, "{method} {path}");
                        assert!(schema["default"].is_u64(), "{method} {path}: {schema}");
                    }
                    "page_num" => assert_eq!((&schema["minimum"], &schema["default"]), (&1.0.into(), &1.into())),
                    _ => {}
                }
            }
        }
    }
    assert_eq!(seen, 6, "member, banned, blocked, invitation and application lists, /user/list");
}

/// The bounds the spec declares for a text field (in attributes) are the ones the domain
/// checks (its constants): one rule, written where the spec needs it and tested to agree.
/// (`None`: the minimum differs by operation, e.g. logging in takes any password.)
#[test]
fn declared_text_bounds_are_the_domain_rules() {
    use imserver::domain::{group_invites, push, users};
    let rules: [(&str, Option<u64>, u64); 6] = [
        ("username", Some(users::USERNAME_MIN), users::USERNAME_MAX),
        ("password", None, users::PASSWORD_MAX), // logging in takes any password (min 1)
        ("push_token", None, push::MAX_PUSH_TOKEN_LEN as u64),
        ("device_token", Some(1), push::MAX_PUSH_TOKEN_LEN as u64),
        ("alias", None, push::MAX_ALIAS_LEN as u64),
        ("reason", None, group_invites::REASON_MAX as u64),
    ];
    let spec: serde_json::Value = serde_json::from_str(&imserver::api::spec_json(&AppState::offline())).unwrap();
    let mut fields: Vec<(String, serde_json::Value)> = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            fields.push((format!("{name}.{field}"), prop.clone()));
        }
    }
    for ops in spec["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                fields.push((format!("parameter.{}", p["name"].as_str().unwrap()), p["schema"].clone()));
            }
        }
    }
    for (field, min, max) in rules {
        let declared: Vec<_> = fields
            .iter()
            .filter(|(f, s)| f.ends_with(&format!(".{field}")) && s.get("maxLength").is_some())
            .collect();
        assert!(!declared.is_empty(), "no field `{field}` declares its bounds");
        for (f, s) in declared {
            assert_eq!(s["maxLength"].as_u64(), Some(max), "{f}: {s}");
            if let Some(min) = min {
                assert_eq!(s["minLength"].as_u64(), Some(min), "{f}: {s}");
            }
        }
    }
}
