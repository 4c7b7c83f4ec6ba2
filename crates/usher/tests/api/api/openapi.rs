//! `GET /api/openapi.json` describes every route the server answers, with every method,
//! and every refusal as problem+json.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::TestApp;

on_both_backends!(every_route_and_method_is_in_the_document);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The route templates an axum router holds, read from its `Debug` form (axum lists
/// routes nowhere else). The first path table is the routes'; later ones belong to the
/// fallback.
fn registered_paths(debug: &str) -> BTreeSet<String> {
    let table = debug.split("Node { paths: {").nth(1).expect("the router prints its path table");
    let table = &table[..table.find("\"}").map_or(table.len(), |end| end + 1)];
    // `RouteId(3): "/healthz", RouteId(4): "/api/v1/groups/{group_id}", ...`
    let paths: BTreeSet<String> = table.split('"').skip(1).step_by(2).map(str::to_owned).collect();
    assert!(paths.len() > 10, "the path table was read: {paths:?}");
    paths
}

/// `path` with every `{param}` filled with a value of the right shape.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| if segment.starts_with('{') { "00000000-0000-0000-0000-000000000000" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

async fn every_route_and_method_is_in_the_document(app: TestApp) {
    let response = app.client.get(format!("http://{}/api/openapi.json", app.addr)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();

    let routed = registered_paths(&app.routes.table());
    assert_eq!(routed, documented, "routes and documented paths differ");

    for path in &routed {
        let item = &doc["paths"][path];
        for method in METHODS {
            let url = format!("http://{}{}", app.addr, concrete(path));
            let status = app
                .client
                .request(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &url)
                .send()
                .await
                .unwrap();
            let status = status.status();
            let operation = &item[method];
            if operation.is_null() {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} answers but is not documented");
                continue;
            }
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not routed");
            check_operation(path, method, operation);
        }
    }
}

/// An operation names each path parameter, answers some 2xx or 3xx, and every refusal
/// it documents is problem+json (HTML for pages; OAuth's JSON error for OpenID
/// Connect's machine endpoints, but for an unavailable database).
fn check_operation(path: &str, method: &str, operation: &Value) {
    let params: BTreeSet<&str> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "path")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let in_path: BTreeSet<&str> =
        path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
    assert_eq!(params, in_path, "{method} {path}: path parameters");
    let responses = operation["responses"].as_object().unwrap();
    assert!(responses.keys().any(|s| s.starts_with(['2', '3'])), "{method} {path}: no success answer");
    let tagged = |tag: &str| operation["tags"].as_array().is_some_and(|tags| tags.iter().any(|t| t == tag));
    let (page, oauth) = (tagged("pages"), tagged("oidc"));
    for (status, response) in responses.iter().filter(|(s, _)| !s.starts_with(['2', '3'])) {
        if page {
            assert!(response["content"]["text/html"].is_object(), "{method} {path} {status}: a page answers HTML");
        } else if oauth && status != "503" {
            let schema = &response["content"]["application/json"]["schema"];
            assert_eq!(schema["required"], serde_json::json!(["error"]), "{method} {path} {status}: OAuth's error");
        } else {
            let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
            assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
        }
    }
}
