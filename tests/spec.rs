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
