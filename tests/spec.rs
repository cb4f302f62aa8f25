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
